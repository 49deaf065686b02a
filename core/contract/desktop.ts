import { z } from 'zod';
import { exportOptionsSchema } from './export.ts';
import {
  datasetInfoSchema,
  datasetInspectionSchema,
  exampleGraphSchema,
  hostEventSchema,
  inspectDatasetRequestSchema,
  MAX_MODEL_FILE_BYTES,
  modelFileSchema,
  renameRunRequestSchema,
  runIdSchema,
  savedRunInfoSchema,
  savedRunSchema,
  resumeRunRequestSchema,
  savedSweepSchema,
  startRunRequestSchema,
} from './host.ts';

/**
 * The desktop shell's IPC contract: one channel per request, each with the schema of its payload
 * and of its answer. The preload exposes one function per channel (never ipcRenderer itself); the
 * main process checks every message's sender and validates its payload with the same schema.
 * File paths never come from the renderer: they come from the main process's own dialogs or its
 * recent-files list, which the renderer names by index.
 */

/** A graph file as the main process read it. */
export const openedFileSchema = z.object({
  /** Shown in the title bar and the recent list; the renderer never sends it back as a path. */
  path: z.string(),
  name: z.string(),
  text: z.string(),
});
export type OpenedFile = z.infer<typeof openedFileSchema>;

/**
 * Unsaved work of a session that ended without saving (a crash, a kill), restored at start. The
 * editor opens it with unsaved changes; `untitled` says it never had a file, so Save must ask where.
 */
export const recoveredDocumentSchema = z.object({
  name: z.string(),
  text: z.string(),
  untitled: z.boolean(),
});
export type RecoveredDocument = z.infer<typeof recoveredDocumentSchema>;

/** An entry of the File > Open Recent menu (kept and opened by the main process alone). */
export interface RecentFile {
  readonly path: string;
  readonly name: string;
}

/** Commands a menu item sends to the renderer; the editor and run panel dispatch them. */
export const MENU_COMMANDS = [
  'new',
  'open',
  'save',
  'saveAs',
  'exportModel',
  'undo',
  'redo',
  'cut',
  'copy',
  'paste',
  'selectAll',
  'runTraining',
  'stopTraining',
] as const;
export const menuCommandSchema = z.enum(MENU_COMMANDS);
export type MenuCommand = z.infer<typeof menuCommandSchema>;

const none = z.undefined();

export const DESKTOP_CHANNELS = {
  'examples:list': { request: none, response: z.array(exampleGraphSchema) },
  'datasets:list': { request: none, response: z.array(datasetInfoSchema) },
  /**
   * The open dialog for a dataset: a file (a CSV index, COCO JSON) or a folder (YOLO, Pascal
   * VOC, image folders). Answers the chosen path, or null when the user cancels.
   */
  'dataset:choose': {
    request: z.object({ kind: z.enum(['file', 'folder']) }),
    response: z.string().nullable(),
  },
  /**
   * Reads and checks a dataset. The path is the renderer's, so the main process inspects only
   * one it handed out itself: chosen with 'dataset:choose' in this session, or named by a graph
   * it opened or saved.
   */
  'dataset:inspect': { request: inspectDatasetRequestSchema, response: datasetInspectionSchema },
  /** A Keras or ONNX model file the page opened or dropped (its bytes, never a path): its config. */
  'model:read': {
    request: z.strictObject({
      name: z.string().max(255),
      data: z
        .instanceof(Uint8Array)
        .refine((d) => d.byteLength <= MAX_MODEL_FILE_BYTES, 'the model file is too large'),
    }),
    response: modelFileSchema,
  },
  'run:start': { request: startRunRequestSchema, response: z.object({ runId: runIdSchema }) },
  'run:stop': { request: runIdSchema, response: none },
  'run:resume': {
    request: z.strictObject({ runId: runIdSchema, options: resumeRunRequestSchema.prefault({}) }),
    response: z.object({ runId: runIdSchema }),
  },
  /** Names a run; the name is written into its run.json. */
  'run:rename': { request: renameRunRequestSchema, response: none },
  /** Asks for a folder with the main process's dialog and exports the run's model there. */
  'run:export': {
    request: z.strictObject({ runId: runIdSchema, options: exportOptionsSchema.prefault({}) }),
    response: z.object({ folder: z.string() }).nullable(),
  },
  /** The runs kept in the app's runs folder, newest first. */
  'runs:list': { request: none, response: z.array(savedRunInfoSchema) },
  /** One kept run, read back for the run panel. */
  'run:open': { request: runIdSchema, response: savedRunSchema },
  /** The sweeps kept in the app's runs folder, newest first. */
  'sweeps:list': { request: none, response: z.array(savedSweepSchema) },
  /** The open dialog; null when the user cancels. */
  'file:open': { request: none, response: openedFileSchema.nullable() },
  /**
   * Saves the document text to the file it came from (atomically), or asks where with the save
   * dialog when it has none or `saveAs` is set; null when the user cancels.
   */
  'file:save': {
    request: z.object({
      text: z.string().max(50_000_000),
      saveAs: z.boolean(),
      suggestedName: z.string().max(200),
    }),
    response: z.object({ path: z.string(), name: z.string() }).nullable(),
  },
  /** The editor's state for the title bar, the close prompt and autosave. */
  'document:state': {
    request: z.object({
      name: z.string().max(200),
      dirty: z.boolean(),
      text: z.string().max(50_000_000),
      /** True after New or a template: the next Save must ask where, not overwrite a file. */
      untitled: z.boolean().default(false),
      /**
       * True in the first report after the editor opened a 'document-recovered' document: the
       * main process then links the document to the file the recovered work belongs to, so Save
       * writes there. Reports sent before the editor had it cannot undo that link.
       */
      recovered: z.boolean().default(false),
    }),
    response: none,
  },
} as const;

export type DesktopChannel = keyof typeof DESKTOP_CHANNELS;
export type DesktopRequest<C extends DesktopChannel> = z.input<
  (typeof DESKTOP_CHANNELS)[C]['request']
>;
export type DesktopResponse<C extends DesktopChannel> = z.infer<
  (typeof DESKTOP_CHANNELS)[C]['response']
>;

/** Messages the main process pushes to the renderer. */
export const DESKTOP_EVENTS = {
  'host-event': hostEventSchema,
  'menu-command': menuCommandSchema,
  /** A file opened from the command line, the file manager or a second instance. */
  'file-opened': openedFileSchema,
  /** The autosaved work the user chose to restore at start. */
  'document-recovered': recoveredDocumentSchema,
} as const;
export type DesktopEvent = keyof typeof DESKTOP_EVENTS;

/**
 * What the preload exposes as `window.studioDesktop`: one function per channel and one
 * subscription per event, typed from the schemas above.
 */
export type DesktopApi = {
  readonly [C in DesktopChannel]: (request: DesktopRequest<C>) => Promise<DesktopResponse<C>>;
} & {
  readonly on: <E extends DesktopEvent>(
    event: E,
    listener: (payload: z.infer<(typeof DESKTOP_EVENTS)[E]>) => void,
  ) => () => void;
};
