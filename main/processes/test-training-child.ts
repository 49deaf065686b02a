import { EventEmitter } from 'node:events';
import type { ParentMessage } from './process-protocol.ts';
import type { TrainingChild } from './run-supervisor.ts';

/** A training process for the hosts' tests: keeps what it is sent and dies when killed. */
export class FakeChild extends EventEmitter implements TrainingChild {
  readonly sent: ParentMessage[] = [];
  send(message: ParentMessage, callback: (error: Error | null) => void): boolean {
    this.sent.push(message);
    queueMicrotask(() => callback(null));
    return true;
  }
  kill(): boolean {
    queueMicrotask(() => {
      this.emit('exit', null, 'SIGKILL');
      this.emit('close', null, 'SIGKILL');
    });
    return true;
  }
}
