// The browser tests' fixture: a fresh database with the Westhoek release ingested (and,
// when asked, the second region scripts/generate_region.py writes), an `observatory
// serve` on a free loopback port, and headless Chromium (Debian's package; browsers are
// never downloaded).
//
// Environment:
//   TEST_DATABASE_URL  admin URL of a PostgreSQL server allowed to create databases,
//                      e.g. postgresql:///postgres?host=/run/pg&user=observatory
//   OBSERVATORY_BIN    the observatory binary (default target/debug/observatory,
//                      relative to the repository root)
//   CHROMIUM           Chromium executable (default /usr/bin/chromium)
//   OBSERVATORY_URL    optional: test an already running server at this base URL
//                      instead (no database, ingest or server is started); accounts
//                      (addUser) are then made in the database DATABASE_URL names

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const ARTIFACTS = path.join(HERE, 'artifacts');

const OBSERVATORY_BIN = path.resolve(REPO_ROOT, process.env.OBSERVATORY_BIN || 'target/debug/observatory');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Headless WebGL through SwiftShader (software rendering): no GPU needed. Without the
// background-networking flags Chromium tries hosts this machine cannot reach.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-gl=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
];

export const INGEST_TIMEOUT_MS = 10 * 60_000;
const HEALTH_TIMEOUT_MS = 60_000;

/** Keeps the last `limit` characters written to it. */
function tailBuffer(limit = 20_000) {
  let text = '';
  return {
    push(chunk) {
      text += chunk.toString();
      if (text.length > limit) text = text.slice(-limit);
    },
    get text() {
      return text;
    },
  };
}

/** Runs a command to completion, `input` on its standard input; rejects with its output
 * when it fails. */
function run(command, args, { env = process.env, cwd = REPO_ROOT, timeoutMs = 120_000, input = null } = {}) {
  return new Promise((resolve, reject) => {
    const output = tailBuffer();
    const child = spawn(command, args, { cwd, env, stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== null) child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => output.push(d));
    child.stderr.on('data', (d) => output.push(d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output.text);
      else {
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${why}):\n${output.text}`));
      }
    });
  });
}

function psql(adminUrl, sql) {
  return run('psql', [adminUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeoutMs: 60_000 });
}

/** A loopback TCP port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForHealth(baseUrl, server, serverLog) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`observatory serve exited early (${server.exitCode ?? server.signalCode}):\n${serverLog.text}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(250);
  }
  throw new Error(`GET /health did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s (${last}):\n${serverLog.text}`);
}

async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Starts what the tests need; returns the server's base URL, the browser, and a function
 * that stops everything again. `ardennes`: load the generated second region too, after
 * the Westhoek (which stays the first, the default).
 */
export async function startFixture({ ardennes = false } = {}) {
  let baseUrl;
  let server;
  let adminUrl;
  let databaseName;
  let regionDir;
  let env = process.env;
  if (process.env.OBSERVATORY_URL) {
    baseUrl = process.env.OBSERVATORY_URL.replace(/\/+$/, '');
  } else {
    adminUrl = process.env.TEST_DATABASE_URL;
    assert.ok(adminUrl, 'TEST_DATABASE_URL must name a PostgreSQL server where databases can be created');
    assert.ok(existsSync(OBSERVATORY_BIN), `observatory binary not found at ${OBSERVATORY_BIN} (build it first or set OBSERVATORY_BIN)`);

    databaseName = `browser_${randomBytes(6).toString('hex')}`;
    await psql(adminUrl, `CREATE DATABASE ${databaseName}`);
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${databaseName}`;
    env = { ...process.env, DATABASE_URL: dbUrl.href };

    await run(OBSERVATORY_BIN, ['ingest', '--no-progress'], { env, timeoutMs: INGEST_TIMEOUT_MS });
    if (ardennes) {
      regionDir = mkdtempSync(path.join(os.tmpdir(), 'observatory-region-'));
      await run('python3', [path.join(REPO_ROOT, 'scripts/generate_region.py'), regionDir]);
      await run(OBSERVATORY_BIN, ['ingest', path.join(regionDir, 'ardennes.toml'), '--no-progress'], { env, timeoutMs: INGEST_TIMEOUT_MS });
    }

    const port = await freePort();
    const serverLog = tailBuffer();
    server = spawn(OBSERVATORY_BIN, ['serve', '--listen', `127.0.0.1:${port}`], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => serverLog.push(d));
    server.stderr.on('data', (d) => serverLog.push(d));
    server.on('error', (err) => serverLog.push(`spawn error: ${err.message}\n`));
    baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(baseUrl, server, serverLog);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const stop = async () => {
    const problems = [];
    await browser.close().catch((err) => problems.push(err));
    await stopProcess(server).catch((err) => problems.push(err));
    if (databaseName) {
      await psql(adminUrl, `DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch((err) => problems.push(err));
    }
    if (regionDir) rmSync(regionDir, { recursive: true, force: true });
    if (problems.length > 0) throw problems[0];
  };
  /**
   * Makes an account on the command line, as an operator does (`observatory user add`,
   * the password on the standard input).
   * @param {string} name
   * @param {'moderator' | 'partner'} role
   * @param {string} password
   */
  const addUser = (name, role, password) =>
    run(OBSERVATORY_BIN, ['user', 'add', name, '--role', role, '--password-stdin'], { env, input: `${password}\n` });
  return { baseUrl, browser, stop, addUser };
}
