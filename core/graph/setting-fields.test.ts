import { describe, expect, it } from 'vitest';
import { trainingSettingsSchema } from './schema.ts';
import {
  applySettings,
  parseFieldText,
  settingField,
  settingSchema,
  valueRule,
  withSetting,
} from './setting-fields.ts';

describe('training settings addressed by path', () => {
  it('finds nested fields with their own bounds', () => {
    expect(settingField('datasetOptions.augment.shift')).toMatchObject({
      type: 'number',
      min: 0,
      max: 0.3,
    });
    expect(valueRule(settingField('epochs'))).toBe('a whole number from 1 to 10000');
    expect(valueRule(settingField('learningRate'))).toBe('a number above 0 and at most 10');
    expect(valueRule(settingField('momentum'))).toBe('a number of at least 0 and below 1');
    expect(valueRule(settingField('limit'))).toBe('a whole number of at least 3');
    expect(valueRule(settingField('optimizer'))).toBe('one of adam, sgd, rmsprop');
  });

  it('reads typed text through the field, bounds included (0 is a valid share)', () => {
    const parse = (path: Parameters<typeof settingSchema>[0], text: string) =>
      parseFieldText(settingSchema(path), settingField(path), text);
    expect(parse('datasetOptions.augment.shift', '0')).toBe(0);
    expect(parse('datasetOptions.validationFraction', '0')).toBe(0);
    expect(parse('datasetOptions.augment.shift', '0.7')).toBeUndefined();
    expect(parse('epochs', '2.5')).toBeUndefined();
    expect(parse('epochs', '')).toBeUndefined();
    expect(parse('optimizer', 'sgd')).toBe('sgd');
    expect(parse('dataset', '')).toBeUndefined();
  });

  it('lays a patch over settings without resetting the nested ones it does not name', () => {
    const base = trainingSettingsSchema.parse({
      datasetOptions: { resize: 'stretch', augment: { flip: true } },
    });
    const patch = withSetting(withSetting({}, 'epochs', 2), 'datasetOptions.augment.shift', 0.1);
    const settings = applySettings(base, patch);
    expect(settings.epochs).toBe(2);
    expect(settings.datasetOptions.resize).toBe('stretch');
    expect(settings.datasetOptions.augment).toMatchObject({ flip: true, shift: 0.1 });
  });
});
