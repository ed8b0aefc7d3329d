// Keeps the Temporal SDK's routine worker logs out of test output; warnings
// and errors still show.
import { pino } from 'pino';
import { installTemporalRuntime } from '../src/temporal/runtime.js';

installTemporalRuntime(pino({ level: process.env.VNFM_LOG_LEVEL ?? 'warn' }));
