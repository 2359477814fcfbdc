// The topic layout (DESIGN.md §Formats): zw/v1/<device-id>/{attest,challenge,event,status,
// inventory,cmd,update}, and the MQTT 5.0 §4.7 rules for Topic Names and Topic Filters. A device
// id is checked by identity.ts: it never carries `+`, `#` or `/` (CVE-2017-7650) and is never a
// reserved name.
import { fail } from '../../hardware/errors.ts';
import { checkDeviceId } from '../identity.ts';

export const TOPIC_ROOT = 'zw/v1/';
export const LEAVES = ['attest', 'challenge', 'event', 'status', 'inventory', 'cmd', 'update'] as const;
export type Leaf = (typeof LEAVES)[number];

/** zw/v1/<id>/ for a valid device id; device.id for any other. */
export function devicePrefix(deviceId: string): string {
  const c = checkDeviceId(deviceId);
  if (!c.ok) fail(c.reason, c.detail);
  return `${TOPIC_ROOT}${deviceId}/`;
}

/** zw/v1/<id>/<leaf>. */
export function deviceTopic(deviceId: string, leaf: Leaf): string {
  if (!LEAVES.includes(leaf)) fail('mqtt.usage', `"leaf" expected one of ${LEAVES.join(', ')}, got ${String(leaf)}`);
  return devicePrefix(deviceId) + leaf;
}

/** The device and leaf of a topic of our layout; null for any other topic. */
export function parseDeviceTopic(topic: string): { deviceId: string; leaf: Leaf } | null {
  if (!topic.startsWith(TOPIC_ROOT)) return null;
  const parts = topic.slice(TOPIC_ROOT.length).split('/');
  if (parts.length !== 2) return null;
  const [deviceId, leaf] = parts as [string, string];
  if (!checkDeviceId(deviceId).ok || !(LEAVES as readonly string[]).includes(leaf)) return null;
  return { deviceId, leaf: leaf as Leaf };
}

/** §4.7.3, §3.3.2.1: why `t` cannot be a Topic Name, or null. */
export function topicNameProblem(t: string): string | null {
  if (t.length === 0) return 'a Topic Name is at least one character (§4.7.3)';
  if (t.includes('+') || t.includes('#')) return 'a Topic Name carries no wildcard (§3.3.2.1 [MQTT-3.3.2-2])';
  return null;
}

/** §4.7.1, §4.8.2: why `f` cannot be a Topic Filter, or null. */
export function topicFilterProblem(f: string): string | null {
  if (f.length === 0) return 'a Topic Filter is at least one character (§4.7.3)';
  const levels = f.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return '"#" stands alone as the last level (§4.7.1.2)';
    if (l.includes('+') && l !== '+') return '"+" stands alone in its level (§4.7.1.3)';
  }
  if (f.startsWith('$share/')) {
    // §4.8.2: $share/{ShareName}/{filter}, the ShareName at least one character without wildcards.
    if (levels.length < 3 || levels[1] === '' || levels[1] === '+' || levels[1] === '#') return 'a Shared Subscription is $share/{ShareName}/{filter} (§4.8.2)';
  }
  return null;
}

/** Is `topic` one of the device's own topics (everything it publishes stays under them)? */
export function isOwnTopic(deviceId: string, topic: string): boolean {
  return parseDeviceTopic(topic)?.deviceId === deviceId;
}
