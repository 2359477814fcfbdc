// Attestation on one machine, for the demo, the end-to-end tests and the simulator: a
// manufacturer (an approved key and a second key gateways may trust but the hospital never
// approved) with the signed agent, a firmware release and signed reference values; the
// hospital (scripts/lib/hospital.ts) with its policy and the verifier process core
// (verifier/service.ts) recording every event; and gateways provisioned to reach its broker.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { MeasurementRecord } from '../../agent/start.ts';
import { partitionSpec } from '../../hardware/layout.ts';
import { VerifierDb } from '../../verifier/db.ts';
import { readEnrolment, type Enrolment } from '../../verifier/enrolment.ts';
import { readPolicy } from '../../verifier/policy.ts';
import { referenceOf } from '../../verifier/refvalues-image.ts';
import { makeRefValues, openRefValues } from '../../verifier/refvalues.ts';
import { VerifierService, type ServiceEvent } from '../../verifier/service.ts';
import { Verifier } from '../../verifier/verifier.ts';
import { buildAgentImage } from './agent-image.ts';
import { CLEAN_ALLOW } from './gateway-tree.ts';
import { closeHospital, gateway, hospital, type Hospital } from './hospital.ts';
import { signImage } from './imgtool/sign.ts';
import { installAgent } from './install-agent.ts';
import { parseSetting } from './provision.ts';

export type Result = Extract<ServiceEvent, { type: 'result' }>;
export interface KeyFiles { readonly priv: string; readonly pub: string }

export const AGENT_VERSION = '0.7.0+1';
export const FIRMWARE_VERSION = '2.1.0+3';

function keyPair(dir: string, name: string): KeyFiles {
  const k = generateKeyPairSync('ed25519');
  const priv = join(dir, `${name}.pem`), pub = join(dir, `${name}.pub.pem`);
  writeFileSync(priv, k.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  writeFileSync(pub, k.publicKey.export({ format: 'pem', type: 'spki' }));
  return { priv, pub };
}

/** A firmware image as a manufacturer signs it (imgtool-compatible), security counter 3. */
export function firmware(key: string, version = FIRMWARE_VERSION): Uint8Array {
  return signImage(new Uint8Array(256 * 1024).fill(0x5a), {
    key: readFileSync(key), headerSize: 32, padHeader: true, align: 4, version, securityCounter: 3, slotSize: 16 * 1024 * 1024,
  });
}

/** Writes `bytes` into a partition of a flash device file. */
export function writeAt(flash: string, part: 'slot-a' | 'agent', bytes: Uint8Array, at = 0): void {
  const fd = openSync(flash, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, partitionSpec(part)!.offset + at);
  } finally {
    closeSync(fd);
  }
}

export class AttestationLab {
  readonly events: ServiceEvent[] = [];
  readonly #enrolled = new Map<string, Enrolment>();

  private constructor(readonly work: string, readonly h: Hospital, readonly approved: KeyFiles, readonly other: KeyFiles,
    readonly agentImage: Uint8Array, private service: VerifierService | null = null) {}

  /** The manufacturer's releases and reference values, the hospital, its policy and verifier. */
  static async start(work: string, o: { overdueMs?: number; db?: string } = {}): Promise<AttestationLab> {
    const approved = keyPair(work, 'manufacturer'), other = keyPair(work, 'other-manufacturer');
    const agent = (await buildAgentImage({ key: readFileSync(approved.priv), version: AGENT_VERSION, securityCounter: 1, workDir: work })).image;
    const refs = makeRefValues([referenceOf('agent', agent, 'agent', null), referenceOf('firmware', firmware(approved.priv), 'firmware', null)],
      { agent: 1, firmware: 3 }, createPrivateKey(readFileSync(approved.priv)), Math.floor(Date.now() / 1000));
    writeFileSync(join(work, 'refs.cose'), refs);
    writeFileSync(join(work, 'policy.json'), JSON.stringify({ version: 1, id: 'hospital-policy-2026', refvalueSigners: [{ pem: approved.pub }], freshnessSeconds: 60 }, null, 2));
    const policy = readPolicy(join(work, 'policy.json'));
    const opened = openRefValues(refs, policy.refvalueSigners);
    if (!opened.ok) throw new Error(`${opened.reason}: ${opened.detail}`);
    const h = await hospital();
    const lab = new AttestationLab(work, h, approved, other, agent);
    const verifier = new Verifier({ db: await VerifierDb.open(o.db ?? null), policy, refs: opened.refs, enrolment: (id) => lab.#enrolled.get(id) ?? null });
    lab.service = await VerifierService.start({
      broker: h.broker, ca: h.caPem, cert: readFileSync(h.verifier.cert), key: readFileSync(h.verifier.key), verifier,
      enrolled: () => [...lab.#enrolled.keys()], challengeEveryMs: 60_000, overdueMs: o.overdueMs ?? 5000,
    });
    lab.service.on((e) => lab.events.push(e));
    return lab;
  }

  /** A gateway trusting both manufacturer keys, with the agent, firmware in slot A, and its
   *  broker at `brokerHost` (127.0.0.1 on this machine, 10.0.2.2 from a QEMU guest); enrolled. */
  async gateway(id: string, brokerHost = '127.0.0.1', listenAllow = CLEAN_ALLOW): Promise<string> {
    const flash = await gateway(this.h, id, {
      trustKeys: [this.approved.pub, this.other.pub],
      settings: [parseSetting(`broker=${brokerHost}:${this.h.broker.port}`), parseSetting(`listen-allow=${listenAllow}`)],
    });
    installAgent(flash, this.agentImage);
    writeAt(flash, 'slot-a', firmware(this.approved.priv));
    this.#enrolled.set(id, readEnrolment(join(this.h.dir, `${id}.enrolment.json`)));
    return flash;
  }

  /** The agent's measurement record as zw-host's boot verifier writes it (for agents run on the
   *  Node ports, which have no boot verifier of their own). */
  agentMeasurement(): MeasurementRecord {
    const r = referenceOf('agent', this.agentImage, 'agent', null);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    return { type: 'agent', component: 'agent', status: 'accepted', version: r.version, digest: hex(r.digest), signer: hex(r.signer), securityCounter: r.securityCounter };
  }

  /** The first event from now on (index `from`) that passes `test`, or null after `ms`. */
  async wait<T extends ServiceEvent>(test: (e: ServiceEvent) => e is T, ms: number, from = this.events.length): Promise<T | null> {
    for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 25))) {
      const e = this.events.slice(from).find(test);
      if (e || Date.now() > deadline) return e ?? null;
    }
  }

  /** The next appraisal of `id`'s answer to a challenge. */
  answer(id: string, ms: number, from = this.events.length): Promise<Result | null> {
    return this.wait((e): e is Result => e.type === 'result' && e.answered && e.appraisal.deviceId === id, ms, from);
  }

  async close(): Promise<void> {
    await this.service?.stop();
    await closeHospital(this.h);
  }
}
