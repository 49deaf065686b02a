import { definePooling } from './pooling.ts';

export const averagePooling2dKind = definePooling(
  'AveragePooling2D',
  'Averages each window: smaller image, same channels.',
);
