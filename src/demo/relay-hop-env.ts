/** Set by the demo on each hop: the pid of the demo process that owns the hop (see relay-hop-main.ts). */
export const PARENT_PID_ENV = 'MESHTRACE_DEMO_PARENT_PID';
