import { describe, expect, it } from 'vitest';
import { escapeHtml, html, inlineScript, jsonForScript, raw } from '../../../src/sim/report-html/html-text.js';
import { htmlPathOf, relativeHref } from '../../../src/sim/report-html/report-paths.js';

describe('html text', () => {
  it('escapes the five characters that end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('escapes every value put into a fragment, but not fragments, and leaves out null, undefined and false', () => {
    const name = '<b onclick="x()">';
    expect(html`<td title="${name}">${name}</td>`.text).toBe(
      '<td title="&lt;b onclick=&quot;x()&quot;&gt;">&lt;b onclick=&quot;x()&quot;&gt;</td>',
    );
    expect(html`<tr>${['<1>', html`<td>${'&'}</td>`, 3, null, undefined, false]}</tr>`.text).toBe(
      '<tr>&lt;1&gt;<td>&amp;</td>3</tr>',
    );
    expect(html`${raw('<br>')}`.text).toBe('<br>');
  });

  it('puts JSON into a script element that no string in it can close', () => {
    const text = jsonForScript({ name: '</script><script>alert(1)</script><!--', line: '\u2028' }).text;
    expect(text).not.toMatch(/<|>|\u2028/);
    expect(JSON.parse(text)).toEqual({ name: '</script><script>alert(1)</script><!--', line: '\u2028' });
  });

  it('inlines code whose strings hold a closing script tag', () => {
    expect(inlineScript('var a = "</script>"; var b = "</SCRIPT>";').text).toBe(
      'var a = "<\\/script>"; var b = "<\\/SCRIPT>";',
    );
  });

  it('puts a page beside its report, and links pages by relative, percent-encoded paths', () => {
    expect(htmlPathOf('reports/pairs.json')).toBe('reports/pairs.html');
    expect(htmlPathOf('reports/pairs')).toBe('reports/pairs.html');
    expect(relativeHref('/r/sweep.html', '/r/sweep-500.html')).toBe('sweep-500.html');
    expect(relativeHref('/r/sweep.html', '/r/steps/a b.html')).toBe('steps/a%20b.html');
    // A name cannot become a javascript: URL, nor leave the attribute.
    expect(relativeHref('/r/sweep.html', '/r/javascript:alert(1)".html')).toBe('javascript%3Aalert(1)%22.html');
  });
});
