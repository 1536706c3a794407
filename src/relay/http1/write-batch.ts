/**
 * Socket writes held until the end of the event loop's poll phase, then flushed together.
 *
 * Why: on the VMs the relay is measured on (and most cloud nodes), each write that wakes a process on
 * an idle CPU pays for an inter-processor interrupt, which the hypervisor makes expensive. Writes done
 * one by one while the loop works through a batch of ready sockets wake the peers once per write;
 * corking every socket written during the batch and uncorking them together (`setImmediate` runs right
 * after the poll phase) sends the same syscalls in one burst, so a peer woken by the first finds the
 * rest already there (BENCHMARKS.md, Relay: socket writes batched). Latency cost: the
 * rest of the current batch's processing, microseconds; at low load a batch is one event.
 */
import type { Socket } from 'node:net';

const corked: Socket[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const sockets = corked.splice(0);
  for (const socket of sockets) socket.uncork();
}

/** `socket.write`, flushed with the other writes of this loop iteration. */
export function writeBatched(socket: Socket, data: string | Buffer, encoding: BufferEncoding = 'latin1'): boolean {
  if (!socket.writableCorked) {
    socket.cork();
    corked.push(socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }
  return typeof data === 'string' ? socket.write(data, encoding) : socket.write(data);
}
