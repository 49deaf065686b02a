import { describe, expect, it } from 'vitest';
import { StudioError } from '../../core/problems.ts';
import { readSettingFlags, SETTING_FLAGS, withOptionalValues } from './setting-flags.ts';
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

  it('sets the unfreeze epoch, the nodes and their learning rate', () => {
    expect(
      readSettingFlags({ 'unfreeze-at': '3', unfreeze: 'conv1, fc', 'unfreeze-lr': '1e-4' }),
    ).toEqual({ unfreezeAt: 3, unfreeze: 'conv1, fc', unfreezeLearningRate: 1e-4 });
    expect(readSettingFlags({ unfreeze: 'all' })).toEqual({ unfreeze: 'all' });
    expect(sentence({ unfreeze: 'all but fc' })).toBe(
      "--unfreeze: a list of nodes to unfreeze is 'all' or node ids separated by commas; got 'all but fc'.",
    );
    expect(sentence({ 'unfreeze-lr': '0' })).toBe(
      "--unfreeze-lr must be a number above 0 and at most 10; got '0'.",
    );
  });

  it('sets early stopping, schedules, weight decay and clipping', () => {
    expect(readSettingFlags({ 'early-stopping': '', monitor: 'box.meanIoU' })).toEqual({
      earlyStopping: { enabled: true, monitor: 'box.meanIoU' },
    });
    expect(
      readSettingFlags({
        'early-stopping': '5',
        'keep-last': true,
        schedule: 'cosine',
        'warmup-epochs': '0.5',
        'weight-decay': '0.01',
        'clip-norm': '1',
      }),
    ).toEqual({
      earlyStopping: { enabled: true, patience: 5, restoreBest: false },
      schedule: { kind: 'cosine', warmupEpochs: 0.5 },
      weightDecay: 0.01,
      clipNorm: 1,
    });
    expect(sentence({ monitor: 'box' })).toBe(
      "--monitor: a monitor is 'loss' (the total validation loss) or a task's value such as 'box.meanIoU' or 'class.loss'; got 'box'.",
    );
    expect(sentence({ schedule: 'linear' })).toBe(
      "--schedule must be one of constant, step, cosine, plateau; got 'linear'.",
    );
    expect(sentence({ 'early-stopping': 'x' })).toBe(
      "--early-stopping must be a whole number from 0 to 1000; got 'x'.",
    );
  });

  it('reads --early-stopping with or without its patience', () => {
    expect(withOptionalValues(['g.json', '--early-stopping', '--json'])).toEqual([
      'g.json',
      '--early-stopping=',
      '--json',
    ]);
    expect(withOptionalValues(['--early-stopping', '4', 'g.json'])).toEqual([
      '--early-stopping',
      '4',
      'g.json',
    ]);
    expect(withOptionalValues(['g.json', '--early-stopping'])).toEqual([
      'g.json',
      '--early-stopping=',
    ]);
  });

  it('names a real setting in every row', () => {
    for (const { setting } of Object.values(SETTING_FLAGS)) {
      expect(() => settingSchema(setting)).not.toThrow();
    }
  });
});
