/**
 * The HTML report's heap snapshot tables: the objects by class (V8's and Node's own hidden
 * unless asked for), and the leak clusters, each with the path that holds it beside the stack
 * that allocated it. A click on either searches the flame graph (the dominator tree) for it.
 * Plain script (see tree.ts).
 */

/** Data of a heap snapshot's page (HeapSummary, with rows as arrays). */
interface HeapData {
  /** [class, internal 0|1, objects, self bytes, retained bytes], largest retained first. */
  classes: [string, number, number, number, number][];
  /** Two snapshots compared: the rows are each class's change, the largest growth first. */
  changes: boolean;
  /** Classes left out of `classes` to bound the page. */
  classesLeftOut: number;
  leaks?: {
    objects: number;
    retained: number;
    clustersRetained: number;
    /** Clusters left out to bound the page. */
    leftOut: number;
    clusters: LeakData[];
  };
}

interface LeakData {
  /** "1,100 × Session: 120 KiB retained (38.8%)" */
  title: string;
  holds: string;
  /** The flame graph's frame of its objects ("[] → Session"). */
  label: string;
  /** From the root: [reference as V8 names it, class @id, retained, internal 0|1]. */
  path: [string, string, string, number][];
  /** Innermost first: "handleLogin sessions.mjs:21:21". */
  allocatedAt: string[] | null;
}

/** Leak clusters shown open (the others one line each). */
const OPEN_CLUSTERS = 3;

/** Rows of the class table shown. */
const CLASS_ROWS = 100;

function regexQuote(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function element(tag: string, text = '', className = ''): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  return e;
}

class HeapTables {
  constructor(
    private readonly view: FlameView,
    private readonly heap: HeapData,
  ) {}

  show(): void {
    $('classes-section').hidden = false;
    if (this.heap.changes) {
      $('classes-title').textContent = 'Classes by change';
      const heads = document.querySelectorAll('#classes-section th');
      ['+ objects', '+ self', '+ retained'].forEach((text, i) => {
        heads[i].textContent = text;
      });
    }
    $<HTMLInputElement>('show-internal').addEventListener('change', () => this.classes());
    this.classes();
    if (this.heap.leaks) this.leaks(this.heap.leaks);
  }

  /** Searches the flame graph for a frame label (`edge → Class`, or a class alone). */
  private find(pattern: string): void {
    this.view.ui.searchBox.value = pattern;
    this.view.search();
    this.view.ui.canvas.scrollIntoView({ block: 'nearest' });
  }

  private classes(): void {
    const all = $<HTMLInputElement>('show-internal').checked;
    const body = $('classes');
    body.textContent = '';
    const rows = this.heap.classes.filter((c) => all || c[1] === 0).slice(0, CLASS_ROWS);
    const [count, bytes] = this.heap.changes
      ? [(v: number) => formatChange(v, 'count'), (v: number) => formatChange(v, 'bytes')]
      : [(v: number) => v.toLocaleString('en-US'), formatBytes];
    for (const [name, internal, objects, self, retained] of rows) {
      const tr = document.createElement('tr');
      if (internal) tr.className = 'internal';
      for (const text of [count(objects), bytes(self), bytes(retained), name]) tr.appendChild(element('td', text));
      tr.addEventListener('click', () => this.find(`(^| → )${regexQuote(name)}$`));
      body.appendChild(tr);
    }
    const left = this.heap.classesLeftOut;
    $('classes-note').textContent =
      left > 0 ? `${left.toLocaleString('en-US')} smaller classes are not in the page.` : '';
  }

  private leaks(leaks: NonNullable<HeapData['leaks']>): void {
    $('leaks-section').hidden = false;
    $('leaks-summary').textContent =
      `${leaks.objects.toLocaleString('en-US')} objects allocated between BASE and TARGET are still alive, retaining ${formatBytes(leaks.retained)}; ` +
      `the program's objects among them make ${leaks.clusters.length + leaks.leftOut} clusters retaining ${formatBytes(leaks.clustersRetained)} (the rest is V8's).`;
    const list = $('leaks');
    leaks.clusters.forEach((c, i) => {
      list.appendChild(this.cluster(c, i < OPEN_CLUSTERS));
    });
    if (leaks.leftOut > 0) list.after(element('p', `and ${leaks.leftOut} smaller clusters (the JSON output has all)`));
  }

  /**
   * One cluster: its title, who holds it beside where it was made (open for the largest few),
   * and a button that finds its objects in the graph.
   */
  private cluster(c: LeakData, open: boolean): HTMLElement {
    const li = element('li');
    const details = document.createElement('details');
    details.open = open;
    const summary = element('summary', '', 'leak-title');
    summary.append(c.title, ' ');
    const find = element('button', 'find in graph', 'find');
    find.addEventListener('click', (e) => {
      e.preventDefault();
      this.find(`^${regexQuote(c.label)}$`);
    });
    summary.appendChild(find);
    details.appendChild(summary);
    if (c.holds) details.appendChild(element('p', c.holds, 'holds'));
    const sides = element('div', '', 'sides');
    sides.append(this.path(c.path), this.stack(c.allocatedAt));
    details.appendChild(sides);
    li.appendChild(details);
    return li;
  }

  /** The retainer path; the run of V8's and Node's steps from the root to the program's first is folded. */
  private path(steps: LeakData['path']): HTMLElement {
    const box = element('div');
    box.appendChild(element('h3', 'held by (shortest path from the root)'));
    const list = element('ol', '', 'path');
    const firstProgram = steps.findIndex((s, i) => i > 0 && s[3] === 0);
    const folded = firstProgram > 2 ? element('details') : null;
    let into = list;
    steps.forEach(([edge, node, retained, internal], i) => {
      if (folded && i === 1) {
        folded.appendChild(element('summary', `${firstProgram - 1} steps inside Node and V8`));
        list.appendChild(folded);
        into = folded.appendChild(element('ol', '', 'path'));
      } else if (folded && i === firstProgram) into = list;
      const li = element('li', '', internal ? 'internal' : '');
      if (edge) li.appendChild(element('span', `--${edge}--> `, 'edge'));
      li.append(node, element('span', ` ${retained}`, 'size'));
      into.appendChild(li);
    });
    box.appendChild(list);
    return box;
  }

  private stack(frames: string[] | null): HTMLElement {
    const box = element('div');
    box.appendChild(element('h3', 'allocated at'));
    if (!frames || frames.length === 0) {
      box.appendChild(element('p', 'not recorded: take the snapshots with record --track-allocations', 'internal'));
      return box;
    }
    const list = element('ol', '', 'stack');
    for (const f of frames) list.appendChild(element('li', f));
    box.appendChild(list);
    return box;
  }
}
