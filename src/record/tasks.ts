import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import timers from 'node:timers';
import { promiseHooks } from 'node:v8';

/**
 * Forgotten async tasks: what the program started and left running at exit (timeouts,
 * intervals, listening servers, open client sockets, running child processes, pending
 * promises), each with the stack that created it.
 *
 * Why not async_hooks: any enabled hook installs V8 promise hooks with before/after callbacks,
 * which made a promise-heavy loop 10 to 13 times slower on Node 20 even with every PROMISE
 * ignored. Instead the creating functions are wrapped (timers, listen, connect, spawn: far
 * rarer than promises, so a stack each is affordable), and promises are watched with
 * `v8.promiseHooks` init/settled. A stack for every promise made that loop 80 times slower,
 * so one promise in PROMISE_STACK_EVERY gets one, and each pending one found at exit counts
 * for PROMISE_STACK_EVERY (an estimate, like the heap sampler's: a forgotten promise is
 * usually made per request, so its place shows). Measured on Node 20: a JSON workload with an
 * await every 10 iterations +1-2 % CPU; a loop of nothing but awaits 8×.
 */
export interface AliveTask {
  /** Timeout, Interval, Server, Socket, ChildProcess, Promise. */
  type: string;
  /** Call sites, root first. */
  stack: NodeJS.CallSite[];
  count: number;
}

export interface TaskTracker {
  alive(): AliveTask[];
  stop(): void;
}

const PROMISE_STACK_EVERY = 16;
/** Sampled pending promises kept at most (they are held until they settle). */
const MAX_SAMPLED_PROMISES = 10_000;
const STACK_DEPTH = 24;

interface Tracked {
  type: string;
  target: WeakRef<object>;
  /** Holds the structured stack; formatted only for what is still alive at exit. */
  site: { stack?: unknown };
  alive: (o: object) => boolean;
}

/** What the patches share: a stack of the caller, a task to watch, a function replaced (and put back on stop). */
interface Hooks {
  capture: (skip: (...args: never[]) => unknown) => { stack?: unknown };
  watch: (type: string, target: object, site: { stack?: unknown }, alive: (o: object) => boolean) => void;
  patch: <T extends object, K extends keyof T>(owner: T, key: K, wrap: (original: T[K]) => T[K]) => void;
}

export function trackTasks(ownCode: (file: string) => boolean): TaskTracker {
  const tracked = new Set<Tracked>();
  const restore: (() => void)[] = [];
  const hooks: Hooks = {
    capture(skip) {
      const site = {};
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = STACK_DEPTH;
      Error.captureStackTrace(site, skip);
      Error.stackTraceLimit = limit;
      return site;
    },
    watch(type, target, site, alive) {
      tracked.add({ type, target: new WeakRef(target), site, alive });
    },
    patch(owner, key, wrap) {
      const original = owner[key];
      owner[key] = wrap(original);
      restore.push(() => (owner[key] = original));
    },
  };
  patchTimers(hooks);
  patchSocketsAndProcesses(hooks);
  syncBuiltinESMExports();
  const promises = watchPromises(hooks.capture);
  return {
    stop() {
      promises.stop();
      for (const r of restore.splice(0)) r();
      syncBuiltinESMExports();
    },
    alive: () => aliveTasks(tracked, promises.sampled, ownCode),
  };
}

function patchTimers({ capture, watch, patch }: Hooks): void {
  // timers: the global functions and node:timers are the same functions, patched in both
  // A pending timer sits in one of Node's timer lists; one whose callback is running (say, the
  // timeout that calls process.exit) has been taken out of it and is not left behind.
  const timerAlive = (t: object) => {
    const timer = t as { _destroyed?: boolean; _idleNext?: unknown; _idlePrev?: unknown };
    return !timer._destroyed && (timer._idleNext != null || timer._idlePrev != null);
  };
  // (setImmediate is not watched: an immediate runs on the next turn of the loop, it cannot be
  // left behind, and servers call it often)
  for (const name of ['setTimeout', 'setInterval'] as const) {
    const type = name === 'setInterval' ? 'Interval' : 'Timeout';
    const alive = timerAlive;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const timer = (original as (...a: unknown[]) => object).apply(this, args);
      if (timer && typeof timer === 'object') watch(type, timer, capture(wrapped), alive);
      return timer;
    } as unknown as (typeof globalThis)[typeof name];
    const original = globalThis[name];
    Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(original));
    patch(globalThis, name, () => wrapped);
    patch(timers, name, () => wrapped);
  }
}

function patchSocketsAndProcesses({ capture, watch, patch }: Hooks): void {
  patch(
    net.Server.prototype,
    'listen',
    (original) =>
      function listen(this: net.Server, ...args: unknown[]) {
        watch('Server', this, capture(listen), (s) => (s as net.Server).listening);
        return (original as (...a: unknown[]) => net.Server).apply(this, args);
      } as typeof original,
  );
  patch(
    net.Socket.prototype,
    'connect',
    (original) =>
      function connect(this: net.Socket, ...args: unknown[]) {
        watch('Socket', this, capture(connect), (s) => !(s as net.Socket).destroyed);
        return (original as (...a: unknown[]) => net.Socket).apply(this, args);
      } as typeof original,
  );
  // spawn is an instance method that @types/node does not declare
  patch(
    childProcess.ChildProcess.prototype as unknown as { spawn: unknown },
    'spawn',
    (original) =>
      function spawn(this: childProcess.ChildProcess, ...args: unknown[]) {
        watch(
          'ChildProcess',
          this,
          capture(spawn),
          (c) =>
            (c as childProcess.ChildProcess).exitCode === null && (c as childProcess.ChildProcess).signalCode === null,
        );
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof original,
  );
}

/** Promises: a stack for one in PROMISE_STACK_EVERY, forgotten when it settles. */
function watchPromises(capture: Hooks['capture']) {
  let made = 0;
  const sampled = new Map<Promise<unknown>, { stack?: unknown }>();
  const init = (promise: Promise<unknown>) => {
    if (++made % PROMISE_STACK_EVERY === 0 && sampled.size < MAX_SAMPLED_PROMISES) sampled.set(promise, capture(init));
  };
  const stop = promiseHooks.createHook({
    init,
    settled(promise) {
      sampled.delete(promise);
    },
  });
  return { sampled, stop };
}

/** What is still running, with the stacks that made it; the recorder's own tasks left out. */
function aliveTasks(
  tracked: Set<Tracked>,
  sampled: Map<Promise<unknown>, { stack?: unknown }>,
  ownCode: (file: string) => boolean,
): AliveTask[] {
  const out: AliveTask[] = [];
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_, callSites) => callSites;
  try {
    const sitesOf = (site: { stack?: unknown }) => {
      const frames = Array.isArray(site.stack) ? (site.stack as NodeJS.CallSite[]) : [];
      return frames.reverse();
    };
    const own = (stack: NodeJS.CallSite[]) => stack.some((c) => ownCode(c.getFileName() ?? ''));
    for (const t of tracked) {
      const target = t.target.deref();
      if (!target || !t.alive(target)) continue;
      const stack = sitesOf(t.site);
      if (!own(stack)) out.push({ type: t.type, stack, count: 1 });
    }
    for (const site of sampled.values()) {
      const stack = sitesOf(site);
      // a promise of the runtime's own (module loading) is not the program's
      if (own(stack) || stack.every((c) => (c.getFileName() ?? 'node:').startsWith('node:'))) continue;
      out.push({ type: 'Promise', stack, count: PROMISE_STACK_EVERY });
    }
  } finally {
    Error.prepareStackTrace = prepare;
  }
  return out;
}
