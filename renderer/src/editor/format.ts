const thousandsFormat = new Intl.NumberFormat('en-US');

/** 6313550 → "6,313,550", as Keras prints parameter counts. */
export const thousands = (n: number): string => thousandsFormat.format(n);
