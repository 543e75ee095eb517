#!/usr/bin/env node
// The `pages2app` command of the npm package: finds the native binary in the platform package
// npm installed beside this one (@pages2app/<os>-<cpu>[-<libc>], an optionalDependency whose
// os/cpu/libc fields match only its own platform) and runs it with the same arguments, stdin,
// stdout and stderr; exits with its exit code, or dies of the same signal.
//
// PAGES2APP_BINARY=/path/to/pages2app runs that binary instead (a local build).
'use strict'

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { platforms } = require('../platforms.json')

/** 'glibc' or 'musl' on Linux, undefined elsewhere. */
function linuxLibc() {
  if (process.platform !== 'linux') return undefined
  try {
    const header = process.report && process.report.getReport().header
    if (header && header.glibcVersionRuntime) return 'glibc'
  } catch {
    /* no process.report: ask ldd */
  }
  const ldd = spawnSync('ldd', ['--version'], { encoding: 'utf8' })
  if (/musl/i.test(`${ldd.stdout || ''}${ldd.stderr || ''}`)) return 'musl'
  return fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc'
}

function describeHost(libc) {
  return `${process.platform} ${process.arch}${libc ? ` (${libc})` : ''}`
}

function fail(message) {
  process.stderr.write(`pages2app: ${message}\n`)
  process.exit(1)
}

function binaryPath() {
  if (process.env.PAGES2APP_BINARY) return process.env.PAGES2APP_BINARY
  const libc = linuxLibc()
  const match = platforms.find((p) => p.os === process.platform && p.cpu === process.arch && (!p.libc || p.libc === libc))
  if (!match) {
    fail(
      `no prebuilt binary for this platform, ${describeHost(libc)}. Prebuilt: ${platforms.map((p) => p.describe).join(', ')}.\n` +
        'Build it from source with a Rust toolchain (`cargo install --path .` in a clone of pages2app), or set PAGES2APP_BINARY to a pages2app binary.',
    )
  }
  let dir
  try {
    dir = path.dirname(require.resolve(`${match.package}/package.json`))
  } catch {
    fail(
      `the package ${match.package}, which holds the binary for ${match.describe}, is not installed.\n` +
        'It is an optional dependency of pages2app: install again without --no-optional / --omit=optional (and with the lockfile of this platform), e.g. `npm install pages2app`.',
    )
  }
  return path.join(dir, 'bin', process.platform === 'win32' ? 'pages2app.exe' : 'pages2app')
}

const bin = binaryPath()
const child = spawn(bin, process.argv.slice(2), { stdio: 'inherit', windowsHide: false })
// Ctrl-C reaches the binary from the terminal itself (same process group): wait for it to stop
// (an apply finishes its step first). Signals sent to this process alone are passed on.
process.on('SIGINT', () => {})
for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig))
child.on('error', (e) => fail(`could not run ${bin}: ${e.message}`))
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
    return
  }
  process.exit(code === null ? 1 : code)
})
