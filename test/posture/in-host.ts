// Gathers the posture with the hw ports inside zw-host (posture root from --root) and prints it.
import { hwPorts } from '../../hardware/hw/platform.ts';
import { gatherPosture } from '../../agent/posture/gather.ts';
import { toHex } from '../support/bytes.ts';

const p = gatherPosture(hwPorts, [{ type: 'firmware', component: 'slot-a', status: 'accepted', version: '2.1.0+3' }]);
console.log('ZW-POSTURE ' + JSON.stringify({ ...p, sbom: p.sbom ? { sha256: toHex(p.sbom.sha256), format: p.sbom.format } : null }));
