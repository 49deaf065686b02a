/** A stand-in for Electron's UtilityProcess and its fork, for tests: no Electron runs. */
import { EventEmitter } from 'node:events';
import type { ForkOptions, MessagePortMain } from 'electron';
import type { ForkUtility } from './utility-child.ts';

export class FakeUtility extends EventEmitter {
  pid: number | undefined;
  readonly posted: { message: unknown; transfer: MessagePortMain[] | undefined }[] = [];
  kills = 0;

  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: ForkOptions,
    pid: number,
  ) {
    super();
    this.pid = pid;
  }

  postMessage(message: unknown, transfer?: MessagePortMain[]): void {
    this.posted.push({ message, transfer });
  }

  kill(): boolean {
    this.kills += 1;
    return true;
  }

  /** The messages posted to the process, without transfers. */
  get messages(): unknown[] {
    return this.posted.map((p) => p.message);
  }

  /** What the child says with process.parentPort.postMessage. */
  say(message: unknown): void {
    this.emit('message', message);
  }

  /** What Electron does when the process ends, however it ends: 'exit' with a code. */
  exit(code: number): void {
    this.pid = undefined;
    this.emit('exit', code);
  }
}

/** A fork that records every process it makes. */
export function fakeFork(): { fork: ForkUtility; processes: FakeUtility[] } {
  const processes: FakeUtility[] = [];
  const fork: ForkUtility = (modulePath, args, options) => {
    const utility = new FakeUtility(modulePath, args, options, 5000 + processes.length);
    processes.push(utility);
    return utility;
  };
  return { fork, processes };
}

/** A placeholder MessagePortMain: the fakes only pass ports along. */
export const fakePort = (name: string) => ({ name }) as unknown as MessagePortMain;
