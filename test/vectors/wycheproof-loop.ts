// A thin loop over Wycheproof files (STYLE.md 11) against one Crypto implementation. Pure: the
// same code runs under vitest (Node crypto) and as bytecode in zw-host (native crypto).
// Per case: in-contract `valid`/`invalid` must give Wycheproof's result; out-of-contract cases
// (DESIGN.md §Contracts "Crypto parameters") must be refused with crypto.param and are counted
// as unsupported; `acceptable` outcomes are recorded so two implementations can be compared;
// an unknown result kind fails the file.
import { reasonOf } from '../../hardware/errors.ts';
import type { Crypto } from '../../hardware/ports.ts';
import { equal, hex, toHex } from '../support/bytes.ts';

interface WTest { tcId: number; result: string; [k: string]: unknown }
interface WGroup { tests: WTest[]; [k: string]: unknown }
export interface WFile { algorithm: string; schema: string; testGroups: WGroup[] }

export interface FileResult {
  passed: number;
  unsupported: number;
  acceptable: Record<number, string>;
  failures: string[];
}

/** What one case gave: 'valid' / 'invalid' (a refusal or a wrong output), 'param' (crypto.param). */
type Outcome = 'valid' | 'invalid' | 'param';
type Runner = (c: Crypto, g: WGroup, t: WTest) => Outcome;

const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const ok = (b: boolean): Outcome => (b ? 'valid' : 'invalid');

function aead(alg: 'aes-256-gcm' | 'chacha20-poly1305'): Runner {
  return (c, _g, t) => {
    const key = hex(s(t.key)), iv = hex(s(t.iv)), aad = hex(s(t.aad)), msg = hex(s(t.msg));
    const sealed = hex(s(t.ct) + s(t.tag));
    const opened = c.aeadOpen(alg, key, iv, sealed, aad);
    if (t.result === 'valid') {
      const fresh = c.aeadSeal(alg, key, iv, msg, aad);
      return ok(opened !== null && equal(opened, msg) && equal(fresh, sealed));
    }
    return ok(opened !== null && equal(opened, msg));
  };
}

const RUNNERS: Record<string, Runner> = {
  'aead_test_schema_v1.json/AES-GCM': aead('aes-256-gcm'),
  'aead_test_schema_v1.json/CHACHA20-POLY1305': aead('chacha20-poly1305'),
  'hkdf_test_schema_v1.json/HKDF-SHA-256': (c, _g, t) => {
    const okm = c.hkdfSha256(hex(s(t.ikm)), hex(s(t.salt)), hex(s(t.info)), Number(t.size));
    return ok(toHex(okm) === s(t.okm));
  },
  'mac_test_schema_v1.json/HMACSHA256': (c, g, t) => {
    const tag = c.hmacSha256(hex(s(t.key)), hex(s(t.msg))).subarray(0, Number(g.tagSize) / 8);
    return ok(toHex(tag) === s(t.tag));
  },
  'xdh_comp_schema_v1.json/XDH': (c, _g, t) => {
    const shared = c.x25519(hex(s(t.private)), hex(s(t.public)));
    return ok(shared !== null && toHex(shared) === s(t.shared));
  },
  'eddsa_verify_schema_v1.json/EDDSA': (c, g, t) => {
    const pk = hex(s((g.publicKey as { pk?: unknown }).pk));
    return ok(c.ed25519Verify(pk, hex(s(t.msg)), hex(s(t.sig))));
  },
  'ecdsa_verify_schema_v1.json/ECDSA': (c, g, t) => {
    const pk = hex(s((g.publicKey as { uncompressed?: unknown }).uncompressed));
    return ok(c.p256Verify(pk, hex(s(t.msg)), hex(s(t.sig)), 'der'));
  },
  'ecdsa_p1363_verify_schema_v1.json/ECDSA': (c, g, t) => {
    const pk = hex(s((g.publicKey as { uncompressed?: unknown }).uncompressed));
    return ok(c.p256Verify(pk, hex(s(t.msg)), hex(s(t.sig)), 'p1363'));
  },
};

/** Whether a group lies inside the parameters Contracts fixes. */
function inContract(file: WFile, g: WGroup): boolean {
  switch (file.algorithm) {
    case 'AES-GCM': return g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128;
    case 'CHACHA20-POLY1305': return g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128;
    case 'ECDSA': {
      const pk = g.publicKey as { curve?: unknown };
      return pk.curve === 'secp256r1' && g.sha === 'SHA-256';
    }
    default: return true;
  }
}

function attempt(run: Runner, c: Crypto, g: WGroup, t: WTest): Outcome | string {
  try {
    return run(c, g, t);
  } catch (e) {
    if (reasonOf(e) === 'crypto.param') return 'param';
    return `threw ${String(e)}`;
  }
}

export function runWycheproofFile(c: Crypto, file: WFile): FileResult {
  const run = RUNNERS[`${file.schema}/${file.algorithm}`];
  if (!run) throw new Error(`no runner for ${file.schema}/${file.algorithm}`);
  const r: FileResult = { passed: 0, unsupported: 0, acceptable: {}, failures: [] };
  for (const g of file.testGroups) {
    const contract = inContract(file, g);
    for (const t of g.tests) {
      if (t.result !== 'valid' && t.result !== 'invalid' && t.result !== 'acceptable') {
        throw new Error(`tcId ${t.tcId}: unknown result kind ${JSON.stringify(t.result)}`);
      }
      const got = attempt(run, c, g, t);
      if (!contract) {
        if (got === 'param') r.unsupported++;
        else r.failures.push(`tcId ${t.tcId}: outside the contract but not refused with crypto.param (${got})`);
      } else if (t.result === 'acceptable') {
        r.acceptable[t.tcId] = got;
      } else if (got === t.result || (got === 'param' && t.result === 'invalid')) {
        r.passed++;
      } else {
        r.failures.push(`tcId ${t.tcId} (${s(t.comment)}): expected ${t.result}, got ${got}`);
      }
    }
  }
  return r;
}

export const WYCHEPROOF_FILES = [
  'ed25519_test.json',
  'aes_gcm_test.json',
  'chacha20_poly1305_test.json',
  'hkdf_sha256_test.json',
  'hmac_sha256_test.json',
  'ecdsa_secp256r1_sha256_test.json',
  'ecdsa_secp256r1_sha256_p1363_test.json',
  'x25519_test.json',
] as const;
