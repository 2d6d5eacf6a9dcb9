import { HeapflameError } from '../model/errors.js';
import type { LimitResult } from '../analyze/budget.js';
import { lineSafe } from './format.js';
import { xmlEscape } from './xml.js';

/**
 * The verdict of `heapflame check` in three forms: lines for a terminal, JUnit XML for CI
 * test reports (one testcase per limit, a failure for each exceeded one), and Markdown for a
 * pull-request comment (table, verdict, links to the artifacts).
 */
export function renderCheckText(results: LimitResult[], file: string): string {
  const failed = results.filter((r) => !r.ok);
  const lines = results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'}  ${lineSafe(r.label)}`);
  lines.push(
    '',
    failed.length
      ? `${failed.length} of ${results.length} limits exceeded in ${lineSafe(file)}`
      : `within budget: ${results.length} limits checked in ${lineSafe(file)}`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderJunit(results: LimitResult[], file: string, seconds = 0): string {
  const failures = results.filter((r) => !r.ok).length;
  const e = xmlEscape;
  const cases = results.map((r) => {
    const name = e(`${r.cost}${r.match ? ` in ${r.match}` : ''} <= ${r.text}`);
    const open = `    <testcase classname="heapflame.budget" name="${name}" time="0"`;
    return r.ok
      ? `${open}/>`
      : `${open}>\n      <failure message="${e(r.label)}" type="budget">${e(`${r.label} (${file})`)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="heapflame check" tests="${results.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="${e(`heapflame check ${file}`)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * Text in a Markdown table cell: no pipes, no HTML tags, no line breaks, no code spans or
 * emphasis ('>' is left alone: it only quotes at the start of a line).
 */
function cell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\|`*_[\]<#])/g, '\\$1');
}

/**
 * A link a pull-request comment may carry: http(s), or relative (no scheme). `javascript:`,
 * `data:` and other schemes are refused: the comment is rendered where reviewers click.
 */
export function artifactLink(url: string): string {
  const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
    throw new HeapflameError(
      `--link: only http(s) and relative links, not ${scheme}: (${JSON.stringify(url.slice(0, 80))})`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(url))
    throw new HeapflameError(`--link: a link with control characters: ${JSON.stringify(url.slice(0, 80))}`);
  return url.trim();
}

export function renderMarkdown(
  results: LimitResult[],
  file: string,
  links: { label: string; url: string }[] = [],
): string {
  const failed = results.filter((r) => !r.ok);
  const verdict = failed.length
    ? `❌ ${failed.length} of ${results.length} memory limits exceeded`
    : `✅ within the memory budget (${results.length} limits)`;
  const lines = [
    `### heapflame: ${verdict}`,
    '',
    `Profile: ${cell(file)}`,
    '',
    '| limit | result | |',
    '|---|---|---|',
  ];
  for (const r of results)
    lines.push(
      `| ${cell(`${r.cost}${r.match ? ` in ${r.match}` : ''} ≤ ${r.text}`)} | ${cell(r.label)} | ${r.ok ? '✅' : '❌'} |`,
    );
  if (links.length) {
    lines.push(
      '',
      `Artifacts: ${links.map((l) => `[${cell(l.label)}](${encodeURI(artifactLink(l.url)).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)})`).join(' · ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
