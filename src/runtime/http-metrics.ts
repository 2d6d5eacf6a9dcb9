import { ServerResponse, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Counter, type Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';

/**
 * Time to first byte and total duration of HTTP responses, by method, route template and
 * status. The per-response path allocates next to nothing (a timestamp or two on the
 * response): it runs on every request of the service it measures.
 */
export interface HttpMetrics {
  /** `(req, res, next?)`: node:http handlers and Express middleware. */
  middleware: (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
  /** Fastify: `fastify.addHook('onRequest', m.http.fastifyOnRequest)`. */
  fastifyOnRequest: (
    request: { raw: IncomingMessage; routeOptions?: { url?: string } },
    reply: { raw: ServerResponse },
    done: () => void,
  ) => void;
}

/** Distinct route labels kept; later ones are counted as "other", so labels stay bounded. */
const MAX_ROUTES = 100;
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'other'];
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];

// What a tracked response carries: when it started, when its headers were written, the
// route a framework told us up front (Fastify), and whose metrics it goes to.
const kStart = Symbol('heapflame.start');
const kHeadersAt = Symbol('heapflame.headersAt');
const kRoute = Symbol('heapflame.route');
const kSink = Symbol('heapflame.sink');
interface Tracked extends ServerResponse {
  [kStart]?: number;
  [kHeadersAt]?: number;
  [kRoute]?: string;
  [kSink]?: Sink;
}
type Sink = (res: Tracked, end: number) => void;

/**
 * Headers are timestamped by wrapping writeHead, which node calls for explicit and implicit
 * headers alike. Wrapping it once on ServerResponse.prototype costs a tracked response one
 * property write, where a wrapper per response cost a closure and an own property that made
 * node's own calls of writeHead polymorphic. Untracked responses pay one property read.
 */
function stampHeaders(this: Tracked): void {
  if (this[kStart] !== undefined && this[kHeadersAt] === undefined) this[kHeadersAt] = performance.now();
}
let prototypeWrapped = false;
function wrapWriteHead(target: { writeHead: ServerResponse['writeHead'] }): void {
  const writeHead = target.writeHead;
  target.writeHead = function (this: Tracked) {
    stampHeaders.call(this);
    // (`arguments` handed straight to apply is not copied by V8; a rest array would be, per call)
    // biome-ignore lint/complexity/noArguments: no array per response (see above)
    return writeHead.apply(this, arguments as unknown as Parameters<typeof writeHead>);
  } as ServerResponse['writeHead'];
}

/** 'finish' listener shared by every response: `this` is the response. */
function onFinish(this: Tracked): void {
  this[kSink]?.(this, performance.now());
}

/**
 * A route label is a template (Express `req.route.path`, Fastify's route url, or what the
 * application sets on `res.locals.route` / `req.routeTemplate`), never the raw path: an
 * object key in a label is a new time series per key (RustFS leaked memory that way).
 * Without a template the label is "unmatched".
 */
function routeOf(req: IncomingMessage | undefined, res: Tracked): string {
  const r = req as
    | (IncomingMessage & { route?: { path?: unknown }; baseUrl?: string; routeTemplate?: unknown })
    | undefined;
  const locals = (res as ServerResponse & { locals?: { route?: unknown } }).locals;
  const template =
    res[kRoute] ??
    r?.routeTemplate ??
    locals?.route ??
    (typeof r?.route?.path === 'string' ? `${r.baseUrl ?? ''}${r.route.path}` : undefined);
  return typeof template === 'string' && template.length <= 200 ? template : 'unmatched';
}

export function httpMetrics(registry: Registry): HttpMetrics {
  const labelNames = ['method', 'route', 'status'];
  const ttfb = new BucketHistogram(
    'heapflame_http_ttfb_seconds',
    'Time from the request until the response headers are written (time to first byte), by method, route template and status.',
    labelNames,
    BUCKETS,
    registry,
  );
  const duration = new BucketHistogram(
    'heapflame_http_request_duration_seconds',
    'Time from the request until the response is finished, by method, route template and status.',
    labelNames,
    BUCKETS,
    registry,
  );
  const routesOver = new Counter({
    name: 'heapflame_http_routes_over_limit_total',
    help: `Responses labelled route="other" because more than ${MAX_ROUTES} route templates were seen.`,
    registers: [registry],
  });

  // route -> (method index * 1000 + status) -> both series: found without building a key
  // string; bounded by methods × (MAX_ROUTES + 1: "other") × statuses
  const routes = new Map<string, Map<number, { ttfb: Float64Array; duration: Float64Array }>>();
  const seriesOf = (method: number, route: string, status: number) => {
    let byStatus = routes.get(route);
    if (!byStatus) {
      if (routes.size >= MAX_ROUTES) {
        routesOver.inc();
        route = 'other';
        byStatus = routes.get(route);
      }
      if (!byStatus) routes.set(route, (byStatus = new Map()));
    }
    const key = method * 1000 + status;
    let series = byStatus.get(key);
    if (!series) {
      const labels = [METHODS[method], route, String(status)];
      series = { ttfb: ttfb.seriesFor(labels), duration: duration.seriesFor(labels) };
      byStatus.set(key, series);
    }
    return series;
  };

  const sink: Sink = (res, end) => {
    const start = res[kStart]!;
    const req = res.req as IncomingMessage | undefined;
    const m = METHODS.indexOf(req?.method ?? '');
    const series = seriesOf(m < 0 ? METHODS.length - 1 : m, routeOf(req, res), res.statusCode);
    ttfb.observe(series.ttfb, ((res[kHeadersAt] ?? end) - start) / 1000);
    duration.observe(series.duration, (end - start) / 1000);
  };

  const track = (res: Tracked, route?: string) => {
    if (res[kStart] !== undefined) return; // already tracked (the middleware mounted twice)
    if (!prototypeWrapped) {
      wrapWriteHead(ServerResponse.prototype);
      prototypeWrapped = true;
    }
    // (a response of another class, such as http2's compatibility API, is wrapped by itself)
    if (!(res instanceof ServerResponse)) wrapWriteHead(res);
    res[kStart] = performance.now();
    res[kSink] = sink;
    if (route !== undefined) res[kRoute] = route;
    res.on('finish', onFinish);
  };
  return {
    middleware(_req, res, next) {
      track(res);
      next?.();
    },
    fastifyOnRequest(request, reply, done) {
      track(reply.raw, request.routeOptions?.url);
      done();
    },
  };
}
