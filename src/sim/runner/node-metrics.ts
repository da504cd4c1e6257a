import { scrape } from '../metrics-scrape.js';

/** One gateway process's figures, from its /metrics (workers of one node appear as separate nodes). */
export interface NodeFigures {
  node: string;
  connections: number;
  rssBytes: number;
}

/** Per node label: connections held and resident memory, from every given /metrics URL. */
export async function scrapeGateways(urls: string[]): Promise<NodeFigures[]> {
  const byNode = new Map<string, NodeFigures>();
  for (const url of urls) {
    const text = await scrape(url).catch(() => '');
    for (const line of text.split('\n')) {
      const match = /^(chat_gateway_connections|process_resident_memory_bytes)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
      if (!match) continue;
      const labels = match[2]!;
      if (!labels.includes('role="gateway"')) continue;
      const node = /node="([^"]+)"/.exec(labels)?.[1];
      if (!node) continue;
      const figures = byNode.get(node) ?? { node, connections: 0, rssBytes: 0 };
      if (match[1] === 'chat_gateway_connections') figures.connections = Number(match[3]);
      else figures.rssBytes = Number(match[3]);
      byNode.set(node, figures);
    }
  }
  return [...byNode.values()].sort((a, b) => a.node.localeCompare(b.node));
}
