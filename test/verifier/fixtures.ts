// A small world for the verifier tests: real signed MCUboot images (the project's imgtool-
// compatible signer and the shared imgtool vector keys), a manufacturer's reference values
// over them, a hospital policy, a device with its enrolment record, and good tokens.
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/host.ts';
import { signImage } from '../../scripts/lib/imgtool/sign.ts';
import { parseEnrolment, type Enrolment } from '../../verifier/enrolment.ts';
import { parsePolicy, type Policy } from '../../verifier/policy.ts';
import { referenceOf } from '../../verifier/refvalues-image.ts';
import { keyHash, makeRefValues, openRefValues, type Reference, type RefValues } from '../../verifier/refvalues.ts';
import { buildToken, claims, component, makeDevice, type ComponentSpec, type TestDevice } from './tokens.ts';

export const KEYS = join(ROOT, '../shared/vectors/imgtool/keys');
export const IMAGE_KEY = join(KEYS, 'ed25519_a.pem');
export const OTHER_IMAGE_KEY = join(KEYS, 'ed25519_b.pem');

export function image(payloadByte: number, version: string, securityCounter: number, key = IMAGE_KEY): Uint8Array {
  return signImage(new Uint8Array(4096).fill(payloadByte), { key: readFileSync(key), headerSize: 32, padHeader: true, version, securityCounter });
}

export interface World {
  readonly mfr: KeyObject;
  readonly mfrHash: string;
  readonly images: { agent: Uint8Array; firmware: Uint8Array; oldAgent: Uint8Array; foreignFirmware: Uint8Array };
  readonly refs: { agent: Reference; firmware: Reference; oldAgent: Reference; foreignFirmware: Reference };
  readonly refvaluesBytes: Uint8Array;
  readonly refvalues: RefValues;
  readonly policy: Policy;
  readonly dev: TestDevice;
  readonly enrolment: Enrolment;
}

export const POLICY_JSON = (mfrHash: string) => ({
  version: 1,
  id: 'policy://test-hospital/gateways/1',
  refvalueSigners: [{ keyHash: mfrHash }],
  minimum: { agent: { version: '1.1.0', securityCounter: 2 }, firmware: { securityCounter: 0 } },
  freshnessSeconds: 60,
  allowedListening: ['tcp/0.0.0.0:443'],
  severity: { 'posture.debug': 'warning' },
});

export function makeWorld(deviceId = 'gw-ward-01'): World {
  const mfr = generateKeyPairSync('ed25519').privateKey;
  const mfrHash = keyHash(new Uint8Array(createPublicKey(mfr).export({ format: 'der', type: 'spki' })));
  const images = { agent: image(0xa1, '1.2.0', 3), firmware: image(0xf2, '2.1.0+7', 5), oldAgent: image(0xa0, '1.0.0', 1), foreignFirmware: image(0xf9, '2.1.0', 5, OTHER_IMAGE_KEY) };
  const refs = {
    agent: referenceOf('agent', images.agent, 'agent', null), firmware: referenceOf('firmware', images.firmware, 'firmware', null),
    oldAgent: referenceOf('old agent', images.oldAgent, 'agent', null), foreignFirmware: referenceOf('foreign', images.foreignFirmware, 'firmware', null),
  };
  const refvaluesBytes = makeRefValues([refs.agent, refs.firmware, refs.oldAgent], { agent: 1, firmware: 4 }, mfr, 1_795_000_000);
  const opened = openRefValues(refvaluesBytes, [mfrHash]);
  if (!opened.ok) throw new Error(`fixture refvalues refused: ${opened.reason} ${opened.detail}`);
  const dev = makeDevice(deviceId);
  return { mfr, mfrHash, images, refs, refvaluesBytes, refvalues: opened.refs, policy: parsePolicy(POLICY_JSON(mfrHash), ROOT), dev, enrolment: parseEnrolment(dev.enrolmentJson) };
}

export function componentOf(r: Reference, slot: string, over: Partial<ComponentSpec> = {}): Map<number, unknown> {
  return component({ type: r.type, digest: r.digest, version: r.version, signer: r.signer, slot, status: 'accepted', securityCounter: r.securityCounter, ...over });
}

export const goodComponents = (w: World) => [componentOf(w.refs.agent, 'agent'), componentOf(w.refs.firmware, 'slot-a')];

/** A good answer to `nonce` from the world's device. */
export function goodToken(w: World, nonce: Uint8Array): Uint8Array {
  return buildToken(w.dev, claims(w.dev, { nonce, components: goodComponents(w) }));
}
