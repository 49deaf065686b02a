/** The files of a dataset the studio exports as CSV; the exported projects' train.py reads them. */
export const DATASET_ANNOTATIONS = 'annotations.csv';
export const DATASET_TARGETS = 'targets.json';
export const DATASET_FORMATS = ['csv', 'coco', 'yolo', 'voc'] as const;
export type DatasetExportFormat = (typeof DATASET_FORMATS)[number];
