// The pinned Next.js toolchain of the real-Next test suites (tests/behaviour/run.mjs and
// tests/runtime/verify.mjs), installed once per lockfile and shared by both.
//
// `npm ci` of tests/toolchain/package.json + package-lock.json into
//   <root>/<hash of package.json + lockfile>/
// where <root> is $PAGES2APP_TOOLCHAIN_ROOT, else $CARGO_TARGET_DIR/test-toolchain, else
// <repo>/target/test-toolchain. The Rust tests, unless it is set, set PAGES2APP_TOOLCHAIN_ROOT from the target folder
// cargo built them into, so clones sharing one CARGO_TARGET_DIR share one install.
//
// Two runs at once (two suites, two clones) take <root>/<hash>.lock in turn: the first installs
// (into <hash>.tmp-<pid>, renamed into place when complete, then marked `.installed`), the other
// waits and reuses it. A lock left by a process that died is taken over.
//
// Plain Node ESM, Node >= 20, built-ins only.

import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..')
const LOCK_WAIT_MS = 20 * 60 * 1000

export class ToolchainError extends Error {}

/** Where toolchains are installed (one folder per lockfile hash below it). */
export function toolchainRoot(override) {
  if (override) return path.resolve(override)
  if (process.env.PAGES2APP_TOOLCHAIN_ROOT) return path.resolve(process.env.PAGES2APP_TOOLCHAIN_ROOT)
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, 'target')
  return path.join(target, 'test-toolchain')
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Takes `file` (O_EXCL, holding our pid), waiting for a live holder; returns the release. */
function lock(file, log) {
  const started = Date.now()
  let told = false
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx')
      fs.writeSync(fd, `${process.pid}\n`)
      fs.closeSync(fd)
      return () => fs.rmSync(file, { force: true })
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
    }
    let holder = NaN
    try {
      holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10)
    } catch {
      continue // released meanwhile
    }
    if (Number.isInteger(holder) && !pidAlive(holder)) {
      // The holder died; only one waiter may remove its lock, so move it aside first.
      const stale = `${file}.stale-${process.pid}`
      try {
        fs.renameSync(file, stale)
        if (Number.parseInt(fs.readFileSync(stale, 'utf8'), 10) === holder) fs.rmSync(stale, { force: true })
        else fs.renameSync(stale, file) // a live holder took it between our read and rename
      } catch {
        /* another waiter did it */
      }
      continue
    }
    if (Date.now() - started > LOCK_WAIT_MS) throw new ToolchainError(`waited ${LOCK_WAIT_MS / 60000} min for ${file} (held by pid ${holder})`)
    if (!told) {
      log(`toolchain: waiting for pid ${holder} to finish installing (${file})`)
      told = true
    }
    sleep(500)
  }
}

/** Removes installs of dead runs (`<hash>.tmp-<pid>`). */
function pruneHalfDone(root) {
  for (const name of fs.readdirSync(root)) {
    const m = /\.tmp-(\d+)$/.exec(name)
    if (m && !pidAlive(Number(m[1]))) fs.rmSync(path.join(root, name), { recursive: true, force: true })
  }
}

/**
 * The toolchain folder (with node_modules/ of the pinned packages), installed on first use.
 * `log` prints progress; `root` overrides toolchainRoot().
 */
export function ensureToolchain({ log = console.log, root: rootOverride } = {}) {
  const pkg = fs.readFileSync(path.join(HERE, 'package.json'))
  const lockfile = fs.readFileSync(path.join(HERE, 'package-lock.json'))
  const hash = crypto.createHash('sha256').update(pkg).update('\0').update(lockfile).digest('hex').slice(0, 16)
  const root = toolchainRoot(rootOverride)
  const dir = path.join(root, hash)
  const marker = path.join(dir, '.installed')
  if (fs.existsSync(marker)) {
    log(`toolchain: reusing ${dir}`)
    return dir
  }
  fs.mkdirSync(root, { recursive: true })
  const release = lock(path.join(root, `${hash}.lock`), log)
  try {
    if (fs.existsSync(marker)) {
      log(`toolchain: reusing ${dir} (installed by another run)`)
      return dir
    }
    pruneHalfDone(root)
    fs.rmSync(dir, { recursive: true, force: true })
    const tmp = `${dir}.tmp-${process.pid}`
    fs.rmSync(tmp, { recursive: true, force: true })
    fs.mkdirSync(tmp, { recursive: true })
    fs.writeFileSync(path.join(tmp, 'package.json'), pkg)
    fs.writeFileSync(path.join(tmp, 'package-lock.json'), lockfile)
    log(`toolchain: npm ci into ${dir} (first run for this lockfile)`)
    const started = Date.now()
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: tmp,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    })
    if (r.error || r.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true })
      const why = r.error?.code === 'ENOENT' ? 'npm was not found on PATH: install Node.js >= 20 with npm' : `exit ${r.status}`
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-40).join('\n')
      throw new ToolchainError(`npm ci failed (${why}):\n${out}`)
    }
    fs.renameSync(tmp, dir)
    fs.writeFileSync(marker, `${new Date().toISOString()}\n`)
    log(`toolchain: installed in ${((Date.now() - started) / 1000).toFixed(1)}s`)
    return dir
  } finally {
    release()
  }
}
