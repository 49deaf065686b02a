/** What a dataset offers a task head to learn: derived from the table of task kinds. */
export {
  type DatasetTarget,
  type DatasetTargetJson,
  datasetTargetSchema,
  targetWidth,
  targetSummary,
} from './tasks/registry.ts';
