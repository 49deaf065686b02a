import { describe, expect, it } from 'vitest';
import { StudioError } from '../../core/problems.ts';
import { readSettingFlags, SETTING_FLAGS } from './setting-flags.ts';
import { settingSchema } from '../../core/graph/setting-fields.ts';

const sentence = (values: Parameters<typeof readSettingFlags>[0]) => {
  try {
    readSettingFlags(values);
  } catch (e) {
    return e instanceof StudioError ? e.message : String(e);
  }
  return 'no error';
};

describe('setting flags parse with the schema field they set', () => {
  it('accepts every value the schema allows, 0 included', () => {
    expect(readSettingFlags({ shift: '0', 'val-fraction': '0', 'test-fraction': '0.5' })).toEqual({
      datasetOptions: { augment: { shift: 0 }, validationFraction: 0, testFraction: 0.5 },
    });
    expect(readSettingFlags({ flip: true, 'no-cache': true, epochs: '3' })).toEqual({
      epochs: 3,
      datasetOptions: { cache: false, augment: { flip: true } },
    });
  });

  it('refuses a value out of the field bounds, naming the flag, the bounds and the value', () => {
    expect(sentence({ shift: '0.7' })).toBe("--shift must be a number from 0 to 0.3; got '0.7'.");
    expect(sentence({ epochs: 'many' })).toBe(
      "--epochs must be a whole number from 1 to 10000; got 'many'.",
    );
    expect(sentence({ 'learning-rate': '0' })).toBe(
      "--learning-rate must be a number above 0 and at most 10; got '0'.",
    );
    expect(sentence({ optimizer: 'adagrad' })).toBe(
      "--optimizer must be one of adam, sgd, rmsprop; got 'adagrad'.",
    );
    expect(sentence({ dataset: '' })).toBe("--dataset must be a text that is not empty; got ''.");
  });

  it('names a real setting in every row', () => {
    for (const { setting } of Object.values(SETTING_FLAGS)) {
      expect(() => settingSchema(setting)).not.toThrow();
    }
  });
});
