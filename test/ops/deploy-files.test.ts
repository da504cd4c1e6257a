import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import Fanout from '../../src/commands/fanout.js';
import Gateway from '../../src/commands/gateway.js';
import Migrate from '../../src/commands/migrate.js';
import Presence from '../../src/commands/presence.js';
import Pusher from '../../src/commands/pusher.js';

/**
 * The deployment files a user copies (Dockerfile, deploy/compose.yaml, deploy/prometheus.yml,
 * deploy/systemd/) hold together and name only settings the CLI reads. Docker is not needed:
 * docker-compose, promtool and systemd-analyze are run when the machine has them (CI installs the first two).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const run = promisify(execFile);

const ROLES = ['gateway', 'fanout', 'presence', 'pusher'] as const;
const COMMANDS = { gateway: Gateway, fanout: Fanout, presence: Presence, pusher: Pusher, migrate: Migrate };
type CommandName = keyof typeof COMMANDS;

/**
 * The CHAT_* variables a command reads: its flags' `env`, and CHAT_JWT_SECRET where it takes the
 * HS256 secret (read by jwtSecretOf in src/cli/flags.ts, beside --jwt-secret-file, not by a flag).
 */
function envRead(command: CommandName): Set<string> {
  const flags = COMMANDS[command].flags as Record<string, { env?: string }>;
  const names = new Set(Object.values(flags).flatMap((flag) => (flag.env ? [flag.env] : [])));
  if ('jwt-secret-file' in flags) names.add('CHAT_JWT_SECRET');
  return names;
}

const readByAnyRole = new Set(ROLES.flatMap((role) => [...envRead(role)]));

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

const dockerfileText = read('Dockerfile');
const dockerfile = DockerfileParser.parse(dockerfileText);

function stagesOf(): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      stages.push({ name: dockerfile.getFROMs()[stages.length]!.getBuildStage() ?? undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const stages = stagesOf();
const runtime = stages.at(-1)!;
const of = (stage: Stage, keyword: string) =>
  stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);
const args = (instruction: Instruction) => instruction.getArguments().map((argument) => argument.getValue());
const imageEnv = new Map(
  dockerfile.getENVs().flatMap((env) => env.getProperties().map((p) => [p.getName(), p.getValue() ?? ''] as const)),
);

/** COPY's --from= value, if any. */
function copyFrom(instruction: Instruction): string | undefined {
  return (
    dockerfile
      .getCOPYs()
      .find((copy) => copy.getRange().start.line === instruction.getRange().start.line)
      ?.getFromFlag()
      ?.getValue() ?? undefined
  );
}

describe('Dockerfile', () => {
  it('builds in named stages and copies only from earlier ones', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const seen: string[] = [];
    for (const stage of stages) {
      for (const copy of of(stage, 'COPY')) {
        const from = copyFrom(copy);
        if (from !== undefined) expect(seen, `COPY --from=${from}`).toContain(from);
      }
      expect(stage.name, 'every stage is named (FROM ... AS name)').toBeTruthy();
      seen.push(stage.name!);
    }
  });

  it('gives the runtime only production dependencies, compiled by tsc in a build stage', () => {
    const stageNamed = (name: string | undefined) => stages.find((stage) => stage.name === name)!;
    const modules = of(runtime, 'COPY').find((copy) => args(copy).at(-1)?.endsWith('node_modules'));
    expect(modules, 'the runtime copies node_modules from a stage').toBeDefined();
    const runs = (stage: Stage) =>
      of(stage, 'RUN')
        .map((instruction) => instruction.getArgumentsContent() ?? '')
        .join('\n');
    expect(runs(stageNamed(copyFrom(modules!)))).toMatch(/npm ci\b.*--omit=dev/);
    const dist = of(runtime, 'COPY').find((copy) => args(copy).at(-1)?.endsWith('dist'));
    const build = runs(stageNamed(copyFrom(dist!)));
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/\btsc\b/);
    expect(runs(runtime)).not.toMatch(/npm (ci|install)/);
  });

  it('runs as a user of its own, not root', () => {
    const users = of(runtime, 'USER').map((user) => args(user)[0]!.split(':')[0]!);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users.at(-1));
  });

  it('keeps secrets out of ARG and ENV', () => {
    const secretish = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY/i;
    const names = [
      ...dockerfile
        .getARGs()
        .map((arg) => [arg.getProperty()?.getName() ?? '', arg.getProperty()?.getValue() ?? ''] as const),
      ...imageEnv.entries(),
    ];
    for (const [name, value] of names) {
      // A *_FILE variable names where a secret is mounted, which is the point.
      if (!name.endsWith('_FILE')) expect(name, `${name} looks like a secret`).not.toMatch(secretish);
      expect(value, `${name}'s value holds credentials`).not.toMatch(/\/\/[^/@\s]+:[^/@\s]+@/);
    }
  });

  it('sets only CHAT_* variables some role reads', () => {
    const chat = [...imageEnv.keys()].filter((name) => name.startsWith('CHAT_'));
    expect(chat.length).toBeGreaterThan(0);
    for (const name of chat) expect(readByAnyRole, `${name} is read by no role`).toContain(name);
  });

  it("puts every role's admin listener on one exposed port, beside the gateway's client port", () => {
    // The health check, Prometheus and the compose file count on each role reading these two.
    for (const role of ROLES) {
      expect(envRead(role), `${role} reads CHAT_ADMIN_PORT`).toContain('CHAT_ADMIN_PORT');
      expect(envRead(role), `${role} reads CHAT_ADMIN_HOST`).toContain('CHAT_ADMIN_HOST');
    }
    expect(imageEnv.get('CHAT_ADMIN_HOST')).toBe('0.0.0.0');
    const exposed = of(runtime, 'EXPOSE').flatMap(args);
    const clientPort = String((Gateway.flags.port as { default?: number }).default);
    expect(exposed.sort()).toEqual([clientPort, imageEnv.get('CHAT_ADMIN_PORT')].sort());
  });

  it("starts chat-node, the package's bin, and checks its health with the copied script", () => {
    const [entrypoint] = of(runtime, 'ENTRYPOINT');
    expect(JSON.parse(entrypoint!.getArgumentsContent()!)).toEqual(['chat-node']);
    const bin = (JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin['chat-node'];
    expect(posix.normalize(bin!)).toBe('bin/run.js');
    const runs = of(runtime, 'RUN').map((instruction) => instruction.getArgumentsContent() ?? '');
    expect(runs.some((line) => /ln -s \/app\/bin\/run\.js \/usr\/local\/bin\/chat-node/.test(line))).toBe(true);
    const [healthcheck] = of(runtime, 'HEALTHCHECK');
    expect(healthcheck!.getArgumentsContent()).toContain('/app/deploy/healthcheck.mjs');
    expect(of(runtime, 'COPY').map(args)).toContainEqual(['deploy/healthcheck.mjs', './deploy/healthcheck.mjs']);
  });

  it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    // The context is an allow-list: everything out, then each path the Dockerfile needs back in.
    expect(allowed[0]).toBe('*');
    const letThrough = new Set(allowed.slice(1).map((line) => line.replace(/^!/, '')));
    const sources = stages.flatMap((stage) =>
      of(stage, 'COPY')
        .filter((copy) => copyFrom(copy) === undefined)
        .flatMap((copy) => args(copy).slice(0, -1)),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      const path = source.replace(/\/$/, '');
      const covered = [...letThrough].some((entry) => path === entry || path.startsWith(`${entry}/`));
      expect(covered, `${source} is let through .dockerignore`).toBe(true);
    }
  });

  it('passes the Dockerfile checker of dockerfile-utils', () => {
    expect(
      validate(dockerfileText).map(
        (problem) =>
          `line ${problem.range.start.line + 1}: ${typeof problem.message === 'string' ? problem.message : problem.message.value}`,
      ),
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The image's health check script

describe('image health check', () => {
  let ok: Server;
  let failing: Server;
  const portOf = (server: Server) => (server.address() as AddressInfo).port;
  const listen = (status: number) =>
    new Promise<Server>((done) => {
      const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end());
      server.listen(0, '127.0.0.1', () => done(server));
    });

  beforeAll(async () => {
    ok = await listen(200);
    failing = await listen(503);
  });
  afterAll(() => {
    ok.close();
    failing.close();
  });

  async function check(env: Record<string, string>): Promise<number> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHAT_')));
    try {
      await run(process.execPath, [join(ROOT, 'deploy/healthcheck.mjs')], {
        env: { ...clean, ...env },
        timeout: 10_000,
      });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  it('passes when the admin listener answers /healthz, a wildcard address asked on the loopback', async () => {
    expect(
      await check({ CHAT_ADMIN_HOST: imageEnv.get('CHAT_ADMIN_HOST')!, CHAT_ADMIN_PORT: String(portOf(ok)) }),
    ).toBe(0);
    expect(await check({ CHAT_ADMIN_HOST: '127.0.0.1', CHAT_ADMIN_PORT: String(portOf(ok)) })).toBe(0);
  });

  it('fails on a 503, when nothing listens, and without a port to ask', async () => {
    expect(await check({ CHAT_ADMIN_PORT: String(portOf(failing)) })).toBe(1);
    const closed = await listen(200);
    const gone = portOf(closed);
    await new Promise((done) => closed.close(done));
    expect(await check({ CHAT_ADMIN_PORT: String(gone) })).toBe(1);
    expect(await check({})).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// deploy/compose.yaml and deploy/prometheus.yml

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  secrets?: string[];
  ports?: string[];
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}

const COMPOSE = 'deploy/compose.yaml';
// merge: the file shares settings through YAML merge keys (<<: *anchor), as compose reads them.
const compose = parse(read(COMPOSE), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const isChatNode = (service: ComposeService) =>
  service.build !== undefined && resolve(ROOT, 'deploy', service.build.context) === resolve(ROOT);
const chatServices = services.filter(([, service]) => isChatNode(service));

describe('compose file', () => {
  it("gives every service an image, and builds chat-node from this repository's Dockerfile", () => {
    for (const [name, service] of services) {
      expect(service.image ?? service.build, `${name} has an image or a build`).toBeDefined();
      if (service.build) {
        expect(isChatNode(service), `${name} builds the repository`).toBe(true);
        expect(existsSync(join(ROOT, service.build.dockerfile ?? 'Dockerfile'))).toBe(true);
      }
    }
    expect(chatServices.map(([name]) => name).sort()).toEqual([...ROLES, 'migrate'].sort());
  });

  it("runs each role's own command once the migration has completed", () => {
    expect(compose.services.migrate!.command).toEqual(['migrate']);
    expect(compose.services.migrate!.restart).toBe('no');
    for (const role of ROLES) {
      const service = compose.services[role]!;
      expect(service.command?.[0]).toBe(role);
      expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  it('waits only on services that exist, for conditions they can meet', () => {
    for (const [name, service] of services) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        const dependency = compose.services[target];
        expect(dependency, `${name} depends on ${target}`).toBeDefined();
        if (condition === 'service_healthy') {
          // A chat-node service has the image's HEALTHCHECK unless it turns it off.
          const checked =
            dependency!.healthcheck?.test !== undefined ||
            (isChatNode(dependency!) && dependency!.healthcheck?.disable !== true);
          expect(checked, `${target} has a health check for ${name} to wait on`).toBe(true);
        } else if (condition === 'service_completed_successfully') {
          expect(dependency!.restart, `${target} runs once`).toBe('no');
        } else {
          expect(condition).toBe('service_started');
        }
      }
    }
  });

  it("sets only CHAT_* variables that the service's command reads", () => {
    for (const [name, service] of chatServices) {
      const command = service.command![0] as CommandName;
      expect(Object.keys(COMMANDS), `${name} runs a known command`).toContain(command);
      const reads = envRead(command);
      for (const variable of Object.keys(service.environment ?? {})) {
        expect(variable.startsWith('CHAT_'), `${name}: ${variable}`).toBe(true);
        expect(reads, `${name} (chat-node ${command}) does not read ${variable}`).toContain(variable);
      }
    }
  });

  it('hands the JWT secret over as a file, never as a value or an argument', () => {
    for (const [name, service] of chatServices) {
      expect(Object.keys(service.environment ?? {}), name).not.toContain('CHAT_JWT_SECRET');
      expect((service.command ?? []).join(' '), name).not.toMatch(/--jwt-secret\b/);
    }
    const gateway = compose.services.gateway!;
    const path = gateway.environment?.CHAT_JWT_SECRET_FILE ?? '';
    const secret = /^\/run\/secrets\/(.+)$/.exec(path)?.[1];
    expect(secret, 'CHAT_JWT_SECRET_FILE is a mounted secret').toBeDefined();
    expect(gateway.secrets).toContain(secret);
    expect(compose.secrets?.[secret!]?.file).toBeDefined();
  });

  it('runs NATS with JetStream stored on a volume', () => {
    const nats = compose.services.nats!;
    expect(nats.command).toContain('-js');
    const store = nats.command![nats.command!.indexOf('-sd') + 1];
    const volume = nats.volumes?.map((mount) => mount.split(':')).find(([, target]) => target === store);
    expect(volume, `a volume at ${store}`).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(volume![0]);
  });

  it("publishes the gateway's client port and no admin port", () => {
    const published = (service: ComposeService) => (service.ports ?? []).map((port) => port.split(':').at(-1));
    expect(published(compose.services.gateway!)).toContain(
      String((Gateway.flags.port as { default?: number }).default),
    );
    for (const [name, service] of chatServices)
      expect(published(service), name).not.toContain(imageEnv.get('CHAT_ADMIN_PORT'));
  });

  it('mounts only files of the repository and volumes and secrets it declares', () => {
    // The alert rules come from ops/prometheus/ (their own tests); the Prometheus test below
    // checks that the mount and the config's rule_files name the same file.
    const rules = resolve(ROOT, 'ops/prometheus');
    for (const [name, service] of services) {
      for (const mount of service.volumes ?? []) {
        const source = mount.split(':')[0]!;
        const onHost = resolve(ROOT, 'deploy', source);
        if (source.startsWith('.'))
          expect(existsSync(onHost) || onHost === rules, `${name}: ${source} is in the repository`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${source}`).toContain(source);
      }
      for (const secret of service.secrets ?? [])
        expect(Object.keys(compose.secrets ?? {}), `${name}: secret ${secret}`).toContain(secret);
    }
  });

  it("has Prometheus load the shipped alert rules and scrape every role's admin listener", () => {
    const prometheus = compose.services.prometheus!;
    const configFlag = prometheus.command!.find((arg) => arg.startsWith('--config.file='))!;
    const configInContainer = configFlag.slice('--config.file='.length);
    const mounts = (prometheus.volumes ?? []).map((mount) => mount.split(':').slice(0, 2) as [string, string]);
    expect(mounts).toContainEqual(['./prometheus.yml', configInContainer]);

    const config = parse(read('deploy/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    expect(config.rule_files).toEqual(['../ops/prometheus/alerts.yml']);
    // The rules resolve to the same file beside the config in the container as in the repository.
    const rulesInContainer = posix.resolve(posix.dirname(configInContainer), config.rule_files[0]!);
    const mount = mounts.find(([, target]) => rulesInContainer === target || rulesInContainer.startsWith(`${target}/`));
    expect(mount, `a mount holds ${rulesInContainer}`).toBeDefined();
    const onHost = resolve(ROOT, 'deploy', mount![0], posix.relative(mount![1], rulesInContainer));
    expect(onHost).toBe(resolve(ROOT, 'deploy', config.rule_files[0]!));

    const targets = config.scrape_configs.flatMap((scrape) => scrape.dns_sd_configs ?? []);
    expect(targets.flatMap((target) => target.names).sort()).toEqual([...ROLES].sort());
    for (const target of targets) expect(String(target.port)).toBe(imageEnv.get('CHAT_ADMIN_PORT'));
  });

  it.skipIf(!onPath('promtool'))(
    "passes promtool check config, with the repository's alert rules where present",
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'deploy-prometheus-'));
      try {
        mkdirSync(join(dir, 'deploy'));
        mkdirSync(join(dir, 'ops/prometheus'), { recursive: true });
        cpSync(join(ROOT, 'deploy/prometheus.yml'), join(dir, 'deploy/prometheus.yml'));
        // ops/prometheus/alerts.yml is written on a branch of its own; until it is here, an empty
        // rule file stands in so the config itself is still checked.
        const rules = join(ROOT, 'ops/prometheus/alerts.yml');
        if (existsSync(rules)) cpSync(rules, join(dir, 'ops/prometheus/alerts.yml'));
        else writeFileSync(join(dir, 'ops/prometheus/alerts.yml'), 'groups: []\n');
        const result = spawnSync('promtool', ['check', 'config', join(dir, 'deploy/prometheus.yml')], {
          encoding: 'utf8',
        });
        expect(result.status, result.stdout + result.stderr).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(!onPath('docker-compose'))('passes docker-compose config (the compose schema)', () => {
    // Debian 12's docker-compose is 1.29, which predates the top-level `name`; it checks the rest.
    const dir = mkdtempSync(join(tmpdir(), 'deploy-compose-'));
    try {
      writeFileSync(join(dir, 'compose.yaml'), read(COMPOSE).replace(/^name: .*$/m, ''));
      const result = spawnSync(
        'docker-compose',
        ['-f', join(dir, 'compose.yaml'), '--project-directory', join(ROOT, 'deploy'), 'config', '-q'],
        {
          encoding: 'utf8',
          env: { ...process.env, POSTGRES_PASSWORD: 'checked-not-used' },
        },
      );
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// deploy/systemd

type Unit = Map<string, string[]>;

/** `[Section]` and `Key=value` lines, as `Section.Key` -> every value in order. */
function parseUnit(path: string): Unit {
  const unit: Unit = new Map();
  let section = '';
  for (const raw of read(path).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const at = line.indexOf('=');
    const key = `${section}.${line.slice(0, at)}`;
    unit.set(key, [...(unit.get(key) ?? []), line.slice(at + 1)]);
  }
  return unit;
}

const SYSTEMD = 'deploy/systemd';
const template = parseUnit(`${SYSTEMD}/chat-node@.service`);
const migrateUnit = parseUnit(`${SYSTEMD}/chat-node-migrate.service`);
const words = (unit: Unit, key: string) => (unit.get(key) ?? []).flatMap((value) => value.split(/\s+/));

/** CHAT_* names an env file sets, commented-out examples included (a user uncomments them). */
function envFileNames(path: string): string[] {
  return [...read(path).matchAll(/^#?(CHAT_[A-Z0-9_]+)=/gm)].map((match) => match[1]!);
}

const HARDENING = [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'RestrictSUIDSGID=yes',
  'CapabilityBoundingSet=',
];

describe('systemd units', () => {
  it("run `chat-node <instance>` as chat-node with the common and the role's env file", () => {
    expect(template.get('Service.ExecStart')).toEqual(['chat-node %i']);
    expect(template.get('Service.EnvironmentFile')).toEqual(['/etc/chat-node/chat-node.env', '-/etc/chat-node/%i.env']);
    expect(template.get('Service.User')).toEqual(['chat-node']);
    expect(template.get('Service.Restart')).toEqual(['on-failure']);
    expect(Number(template.get('Service.LimitNOFILE')?.[0])).toBeGreaterThanOrEqual(65_536);
  });

  it('start a role after the migration, which runs once', () => {
    expect(words(template, 'Unit.Requires')).toContain('chat-node-migrate.service');
    expect(words(template, 'Unit.After')).toContain('chat-node-migrate.service');
    expect(migrateUnit.get('Service.Type')).toEqual(['oneshot']);
    expect(migrateUnit.get('Service.ExecStart')).toEqual(['chat-node migrate']);
    expect(migrateUnit.get('Service.EnvironmentFile')).toEqual(['/etc/chat-node/chat-node.env']);
  });

  it('are hardened alike', () => {
    for (const unit of [template, migrateUnit]) {
      for (const setting of HARDENING) {
        const [key, value] = setting.split('=') as [string, string];
        expect(unit.get(`Service.${key}`), setting).toEqual([value]);
      }
      expect(unit.get('Service.User')).toEqual(['chat-node']);
      // V8's JIT writes the code it runs.
      expect(unit.has('Service.MemoryDenyWriteExecute')).toBe(false);
    }
  });

  it('give the gateway its JWT secret as a credential file', () => {
    const dropIn = parseUnit(`${SYSTEMD}/chat-node@gateway.service.d/jwt-secret.conf`);
    const [name] = dropIn.get('Service.LoadCredential')![0]!.split(':');
    expect(dropIn.get('Service.Environment')).toEqual([`CHAT_JWT_SECRET_FILE=%d/${name}`]);
    expect(envRead('gateway')).toContain('CHAT_JWT_SECRET_FILE');
  });

  it('ship env files that set only what their role reads', () => {
    const files = readdirSync(join(ROOT, SYSTEMD, 'env'));
    expect(files.sort()).toEqual(['chat-node.env', ...ROLES.map((role) => `${role}.env`)].sort());
    // The common file is read by every role (and migrate, which needs only the Postgres URL).
    const common = envFileNames(`${SYSTEMD}/env/chat-node.env`);
    expect(common).toContain('CHAT_POSTGRES_URL');
    for (const role of ROLES)
      for (const name of common) expect(envRead(role), `${role} reads ${name} from chat-node.env`).toContain(name);
    for (const role of ROLES) {
      for (const name of envFileNames(`${SYSTEMD}/env/${role}.env`))
        expect(envRead(role), `${role}.env: ${name}`).toContain(name);
    }
    const allFiles = files.flatMap((file) => envFileNames(`${SYSTEMD}/env/${file}`));
    expect(allFiles, 'the secret goes through the credential, not an env file').not.toContain('CHAT_JWT_SECRET');
  });

  it.skipIf(!onPath('systemd-analyze'))('pass systemd-analyze verify', () => {
    // verify needs ExecStart's program to exist: a copy runs this checkout's bin/run.js (what
    // `npm install -g` links as chat-node) in its place. It does not need systemd running.
    const dir = mkdtempSync(join(tmpdir(), 'deploy-systemd-'));
    try {
      cpSync(join(ROOT, SYSTEMD), dir, { recursive: true, filter: (source) => !source.includes('/env') });
      for (const file of readdirSync(dir).filter((name) => name.endsWith('.service'))) {
        const path = join(dir, file);
        writeFileSync(
          path,
          readFileSync(path, 'utf8').replace(/^ExecStart=chat-node /gm, `ExecStart=${join(ROOT, 'bin/run.js')} `),
        );
      }
      const units = [
        ...ROLES.map((role) => `chat-node@${role}.service`),
        'chat-node-migrate.service',
        'chat-node.target',
      ];
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...units.map((unit) => join(dir, unit))], {
        encoding: 'utf8',
        cwd: dir,
      });
      // verify exits 0 on a key it ignores (a typo, a bad value), so anything it says fails.
      expect(result.stderr + result.stdout).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
