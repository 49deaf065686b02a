import { z } from 'zod';

/**
 * What a trained model can be exported as, and from which checkpoint. The command line, the
 * browser route and the desktop channel all parse their request with this one schema.
 */
export const EXPORT_FORMATS = ['tfjs', 'onnx', 'pytorch', 'keras'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CHECKPOINTS = ['best', 'last'] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number];

/** One line per format, for the export menu and the command line's help. */
export const EXPORT_FORMAT_TITLES: Record<ExportFormat, string> = {
  tfjs: 'TensorFlow.js Layers (model.json + weights.bin)',
  onnx: 'ONNX (model.onnx, opset 13)',
  pytorch: 'PyTorch project (model.py, weights.npz, train.py)',
  keras: 'Keras (model.py + weights.h5)',
};

export const exportOptionsSchema = z.strictObject({
  format: z
    .enum(EXPORT_FORMATS)
    .default('tfjs')
    .describe('The format to export the trained model in.'),
  checkpoint: z
    .enum(CHECKPOINTS)
    .default('best')
    .describe("Which saved model: 'best' (model/) or 'last' (last/, the end of the last epoch)."),
});
export type ExportOptions = z.infer<typeof exportOptionsSchema>;

/** What an export is when nobody chose: the best model as TensorFlow.js, as before formats existed. */
export const DEFAULT_EXPORT: ExportOptions = exportOptionsSchema.parse({});
