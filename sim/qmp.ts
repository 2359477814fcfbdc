// A minimal QMP client (QEMU Machine Protocol, docs/interop/qmp-spec): one connection per call,
// the greeting, qmp_capabilities, one command, its answer. Asynchronous events are skipped.
import { connect } from 'node:net';

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly detail: string,
  ) {
    super(`QMP ${command}: ${detail}`);
  }
}

type Message = { return?: unknown; error?: { class?: string; desc?: string }; QMP?: unknown; event?: string };

/** Runs one QMP command on the socket at `path` and resolves with its `return` value. A `quit`
 *  may close the socket before answering: that counts as done. */
export function qmp(path: string, execute: string, args?: Record<string, unknown>, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    let stage: 'greeting' | 'capabilities' | 'command' = 'greeting';
    const timer = setTimeout(() => finish(new QmpError(execute, `no answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, value?: unknown): void => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const send = (cmd: string, a?: Record<string, unknown>): void => {
      sock.write(JSON.stringify(a ? { execute: cmd, arguments: a } : { execute: cmd }) + '\r\n');
    };
    const onMessage = (m: Message): void => {
      if (m.event) return;
      if (m.error) return finish(new QmpError(stage === 'command' ? execute : 'qmp_capabilities', `${m.error.class ?? 'Error'}: ${m.error.desc ?? ''}`));
      if (stage === 'greeting' && m.QMP) {
        stage = 'capabilities';
        send('qmp_capabilities');
      } else if (stage === 'capabilities' && 'return' in m) {
        stage = 'command';
        send(execute, args);
      } else if (stage === 'command' && 'return' in m) {
        finish(null, m.return);
      }
    };
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          onMessage(JSON.parse(line) as Message);
        } catch (e) {
          return finish(new QmpError(execute, `unreadable answer: ${String(e)}`));
        }
      }
    });
    sock.on('error', (e) => finish(new QmpError(execute, e.message)));
    sock.on('close', () => {
      if (stage === 'command' && execute === 'quit') finish(null, {});
      else finish(new QmpError(execute, 'QEMU closed the connection'));
    });
  });
}
