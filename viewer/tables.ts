/**
 * The HTML report's tables: the summary, the top functions of the cost shown (or, for a
 * differential report, the functions by change), and the callers and callees of one function.
 * Plain script (see tree.ts).
 */

/** Rows of the function tables. */
const TABLE_ROWS = 50;

class Tables {
  /** Differential tables sort by the absolute change or by the change in percent. */
  private byPercent = false;

  constructor(private readonly view: FlameView) {
    $('changes-by-value').addEventListener('click', () => this.sortChanges(false));
    $('changes-by-percent').addEventListener('click', () => this.sortChanges(true));
  }

  summary(): void {
    const summary = $('summary');
    for (const [k, v] of this.view.data.summary) {
      const row = document.createElement('tr');
      const a = document.createElement('th');
      a.textContent = k;
      const b = document.createElement('td');
      b.textContent = v;
      row.append(a, b);
      summary.appendChild(row);
    }
    if (this.view.data.pruned) $('pruned').textContent = this.view.data.pruned;
  }

  fill(): void {
    const diff = this.view.data.diff === true;
    $('top-section').hidden = diff;
    $('changes-section').hidden = !diff;
    if (diff) this.changes();
    else this.top();
  }

  private sortChanges(byPercent: boolean): void {
    this.byPercent = byPercent;
    this.changes();
  }

  /** A row of cells set as text; a click searches for the function and shows its callers and callees. */
  private row(body: HTMLElement, cells: string[], label: number): void {
    const tr = document.createElement('tr');
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    const name = this.view.tree.labels[label];
    tr.addEventListener('click', () => {
      this.view.ui.searchBox.value = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
      this.view.search();
      this.sandwich(label);
    });
    body.appendChild(tr);
  }

  /**
   * Top functions by self and total (a function counted once per stack). Over the whole
   * recording and by name and file, from every stack (the data's table: also the stacks too
   * small to draw); else from the tree drawn.
   */
  private top(): void {
    const { view } = this;
    const cost = view.data.costs[view.state.cost];
    const body = $('top');
    body.textContent = '';
    const tree = view.tree;
    let rows: [number, number, number][] | undefined =
      tree === view.located ? view.data.top?.[view.state.cost] : undefined;
    if (!rows) {
      const self = new Float64Array(tree.labels.length);
      for (let n = 1; n < tree.count; n++) self[tree.label[n]] += tree.self[view.state.cost][n];
      const [total] = labelTotals(tree, [view.state.cost]);
      rows = [];
      for (let l = 0; l < tree.labels.length; l++)
        if (self[l] !== 0 || total[l] !== 0) rows.push([l, self[l], total[l]]);
      rows.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || Math.abs(b[2]) - Math.abs(a[2]));
      rows = rows.slice(0, TABLE_ROWS);
    }
    for (const [id, self, total] of rows)
      this.row(
        body,
        [formatValue(self, cost.unit), formatValue(total, cost.unit), tree.labels[id], tree.where[id]],
        id,
      );
  }

  /** Functions by change between before and after, inclusive: absolute or in percent of before. */
  private changes(): void {
    const { view } = this;
    const tree = view.tree;
    const unit = view.data.costs[0].unit;
    const [before, after] = labelTotals(tree, [0, 1]);
    const pct = (l: number) => (before[l] ? ((after[l] - before[l]) / before[l]) * 100 : after[l] ? Infinity : 0);
    const ids: number[] = [];
    for (let l = 0; l < tree.labels.length; l++) if (after[l] !== before[l]) ids.push(l);
    const key = this.byPercent ? (l: number) => Math.abs(pct(l)) : (l: number) => Math.abs(after[l] - before[l]);
    ids.sort((a, b) => key(b) - key(a) || Math.abs(after[b] - before[b]) - Math.abs(after[a] - before[a]));
    const body = $('changes');
    body.textContent = '';
    for (const l of ids.slice(0, TABLE_ROWS)) {
      const p = pct(l);
      const percent = p === Infinity ? 'new' : `${p > 0 ? '+' : ''}${p.toFixed(1)}%`;
      const cells = [
        formatValue(before[l], unit),
        formatValue(after[l], unit),
        formatChange(after[l] - before[l], unit),
      ];
      this.row(body, [...cells, percent, tree.labels[l], tree.where[l]], l);
    }
  }

  /** Callers and callees of one function, each merged over all its (outermost) occurrences. */
  sandwich(labelId: number): void {
    const tree = this.view.tree;
    if (labelId < 0) return;
    const cost = this.view.state.cost;
    const total = tree.total[cost];
    const self = tree.self[cost];
    const outer = outermost(tree);
    const callers = new SmallTree(labelId);
    const callees = new SmallTree(labelId);
    for (let n = 1; n < tree.count; n++) {
      if (tree.label[n] !== labelId || !outer[n]) continue;
      // callers: the path up to the root, ending in this occurrence's whole value
      let c = 0;
      for (let a = tree.parent[n]; a > 0; a = tree.parent[a]) c = callers.child(c, tree.label[a]);
      callers.self[c] += total[n];
      // callees: the occurrence's subtree, merged
      const stack = [n, 0];
      while (stack.length) {
        const into = stack.pop()!;
        const m = stack.pop()!;
        callees.self[into] += self[m];
        for (let k = tree.firstChild[m]; k >= 0; k = tree.nextSibling[k])
          stack.push(k, callees.child(into, tree.label[k]));
      }
    }
    $('sandwich-section').hidden = false;
    $('sandwich-name').textContent = tree.labels[labelId];
    $('sandwich-where').textContent = tree.where[labelId];
    const bytes = this.view.data.costs[cost].unit === 'bytes';
    paintSmall($<HTMLCanvasElement>('callers'), callers, tree.labels, true, bytes);
    paintSmall($<HTMLCanvasElement>('callees'), callees, tree.labels, false, bytes);
    $('sandwich-section').scrollIntoView({ block: 'nearest' });
  }
}
