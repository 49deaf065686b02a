import { definePooling } from './pooling.ts';

export const maxPooling2dKind = definePooling(
  'MaxPooling2D',
  'Keeps the largest value of each window: smaller image, same channels.',
);
