// Device identities (DESIGN.md §Contracts "Identities and topics"): the id is the certificate's
// CN, a DNS SAN and a topic level, so it must never carry MQTT wildcards or separators
// (CVE-2017-7650) and never take a name the hospital side reserves.

const DEVICE_ID = /^[a-z0-9][a-z0-9-]{2,62}$/;
export const RESERVED_IDS: readonly string[] = ['verifier', 'admin', 'broker'];

export type IdCheck = { ok: true; id: string } | { ok: false; reason: 'device.id'; detail: string };

export function checkDeviceId(id: string): IdCheck {
  if (typeof id !== 'string' || !DEVICE_ID.test(id)) {
    return { ok: false, reason: 'device.id', detail: `${JSON.stringify(id)} does not match ${DEVICE_ID.source}` };
  }
  if (RESERVED_IDS.includes(id)) return { ok: false, reason: 'device.id', detail: `${id} is a reserved name` };
  return { ok: true, id };
}

/** The agent's own name: EAT swname, the audit trail's actor. */
export const AGENT_NAME = 'zorgwacht-agent';
