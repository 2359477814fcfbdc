// The peers of the Net contract suite, run with node:tls in the test process on 127.0.0.1:
// an echo server and a "whoami" server (mutual TLS with the hospital CA), and one server per
// refusal the suite expects.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { ServerName } from './cases.ts';
import type { Issued } from './pki.ts';

export interface ServerCerts {
  hospital: Issued;
  other: Issued;
  /** Server certificates from the hospital CA unless named otherwise. */
  good: Issued;
  otherCa: Issued;
  wrongIp: Issued;
  expired: Issued;
}

export interface Servers {
  readonly ports: Record<ServerName, number>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

export async function startServers(c: ServerCerts): Promise<Servers> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {}); // refusals are the point of most servers here
    s.on('close', () => sockets.delete(s));
  };
  const tlsServer = (o: TlsOptions, handler: (s: TLSSocket) => void = () => {}) => {
    const srv = createTlsServer({ requestCert: true, rejectUnauthorized: true, ca: [c.hospital.cert], ...o }, (s) => {
      s.on('error', () => {});
      handler(s);
    });
    srv.on('connection', track);
    srv.on('tlsClientError', () => {});
    return srv;
  };
  const good = { key: c.good.key, cert: c.good.cert };
  const servers: Record<Exclude<ServerName, 'closed'>, Server> = {
    echo: tlsServer(good, (s) => s.pipe(s)),
    // Ends when the client answers: Node loses its close_notify when end() meets a pending write.
    whoami: tlsServer(good, (s) => {
      s.write(`CN=${String(s.getPeerCertificate().subject?.CN)}`);
      s.once('data', () => s.end());
    }),
    // destroy() closes the socket without close_notify: a truncated connection.
    truncate: tlsServer(good, (s) => s.once('data', () => s.destroy())),
    otherCa: tlsServer({ key: c.otherCa.key, cert: c.otherCa.cert }),
    wrongIp: tlsServer({ key: c.wrongIp.key, cert: c.wrongIp.cert }),
    expired: tlsServer({ key: c.expired.key, cert: c.expired.cert }),
    tls12: tlsServer({ ...good, maxVersion: 'TLSv1.2' }),
    clientOtherCa: tlsServer({ ...good, ca: [c.other.cert] }),
    silent: createTcpServer(track),
  };
  const ports = {} as Record<ServerName, number>;
  for (const [name, srv] of Object.entries(servers)) ports[name as ServerName] = await listen(srv);
  const closed = createTcpServer();
  ports.closed = await listen(closed);
  await new Promise((r) => closed.close(r));
  return {
    ports,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(Object.values(servers).map((s) => new Promise((r) => s.close(r))));
    },
  };
}
