// Prints the MQTT transcript (test/mqtt/portable.ts) inside zw-host; test/mqtt/host.test.ts
// compares it with the one Node makes.
import { mqttTranscript } from './portable.ts';

/** Set by the bundler (esbuild define). */
declare const MQTT_MUTATIONS: number;

for (const line of mqttTranscript(Number(MQTT_MUTATIONS))) console.log('ZW-MQTT ' + line);
console.log('ZW-DONE');
