import { scrape } from '../metrics-scrape.js';

/** One gateway process's figures, from the `node` label of its series. */
export interface ProcessFigures {
  process: string;
  connections: number;
  rssBytes: number;
}

/**
 * One gateway node: everything one /metrics URL reports. A node run with `gateway --workers N`
 * is N processes behind one port, and its /metrics carries every worker's series (labelled
 * `node=<node>-w<i>`); the node's figures are their sums, and `processes` keeps each worker's.
 */
export interface NodeFigures {
  node: string;
  connections: number;
  rssBytes: number;
  processes: ProcessFigures[];
}

const SERIES = /^(chat_gateway_connections|process_resident_memory_bytes)\{([^}]*)\} ([0-9.e+]+)$/;

/** The figures of the gateway processes in one /metrics text, by their `node` label. */
export function gatewayProcesses(text: string): ProcessFigures[] {
  const byProcess = new Map<string, ProcessFigures>();
  for (const line of text.split('\n')) {
    const match = SERIES.exec(line);
    if (!match) continue;
    const labels = match[2]!;
    if (!labels.includes('role="gateway"')) continue;
    const process = /node="([^"]+)"/.exec(labels)?.[1];
    if (!process) continue;
    const figures = byProcess.get(process) ?? { process, connections: 0, rssBytes: 0 };
    if (match[1] === 'chat_gateway_connections') figures.connections = Number(match[3]);
    else figures.rssBytes = Number(match[3]);
    byProcess.set(process, figures);
  }
  return [...byProcess.values()].sort((a, b) => a.process.localeCompare(b.process, 'en', { numeric: true }));
}

/** A node from the processes behind one URL: named after its workers' common node id (`gateway-1` for `gateway-1-w1`, ...). */
export function nodeOf(url: string, processes: ProcessFigures[]): NodeFigures {
  const stems = new Set(processes.map((p) => p.process.replace(/-w\d+$/, '')));
  const node = processes.length === 1 ? processes[0]!.process : stems.size === 1 ? [...stems][0]! : url;
  return {
    node,
    connections: processes.reduce((sum, p) => sum + p.connections, 0),
    rssBytes: processes.reduce((sum, p) => sum + p.rssBytes, 0),
    processes,
  };
}

/** Per gateway node (one per /metrics URL): connections held and resident memory, summed over its processes. */
export async function scrapeGateways(urls: string[]): Promise<NodeFigures[]> {
  const nodes: NodeFigures[] = [];
  for (const url of [...new Set(urls)]) {
    const processes = gatewayProcesses(await scrape(url).catch(() => ''));
    if (processes.length > 0) nodes.push(nodeOf(url, processes));
  }
  return nodes.sort((a, b) => a.node.localeCompare(b.node, 'en', { numeric: true }));
}
