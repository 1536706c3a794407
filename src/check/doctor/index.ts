/** The tracing doctor: every catalogue rule, in id order. */
import type { DoctorRule } from './catalogue';
import { mt001, mt002, mt003, mt004, mt009 } from './istio-rules';
import { mt005, mt006, mt007 } from './otlp-rules';
import { mt008, mt010, mt011, mt012 } from './edge-rules';

export { CATALOGUE, type DoctorRule, type DoctorRuleInfo } from './catalogue';

export const DOCTOR_RULES: readonly DoctorRule[] = [mt001, mt002, mt003, mt004, mt005, mt006, mt007, mt008, mt009, mt010, mt011, mt012];
