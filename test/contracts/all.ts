// Every port contract case, in the order both implementations run them.
import { cryptoCases } from './crypto.contract.ts';
import { flashCases } from './flash.contract.ts';
import type { Case } from './harness.ts';
import { keyCases } from './keys.contract.ts';
import { rngClockLogCases } from './rng-clock-log.contract.ts';

export const ALL_CASES: Case[] = [...rngClockLogCases, ...cryptoCases, ...keyCases, ...flashCases];
