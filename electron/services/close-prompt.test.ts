import { describe, expect, it, vi } from 'vitest';
import { CLOSE_BUTTONS, closePromptOptions, decideClose } from './close-prompt.ts';

describe('decideClose', () => {
  it('closes a clean document without asking', async () => {
    const ask = vi.fn(() => 0);
    await expect(decideClose({ dirty: false }, ask)).resolves.toBe('close');
    expect(ask).not.toHaveBeenCalled();
  });

  it.each([
    [0, 'save-then-close'],
    [1, 'close'],
    [2, 'cancel'],
    [-1, 'cancel'],
    [7, 'cancel'],
  ] as const)('answer %i on a dirty document → %s', async (answer, decision) => {
    await expect(decideClose({ dirty: true }, async () => answer)).resolves.toBe(decision);
  });
});

describe('closePromptOptions', () => {
  it('offers Save, Don’t Save and Cancel; Enter saves, Escape cancels; names the file', () => {
    const options = closePromptOptions('model.graph.json');
    expect(options.buttons).toEqual(['Save', "Don't Save", 'Cancel']);
    expect(options.buttons).toEqual([...CLOSE_BUTTONS]);
    expect(options.defaultId).toBe(0);
    expect(options.cancelId).toBe(2);
    expect(options.message).toBe('Do you want to save the changes you made to model.graph.json?');
  });
});
