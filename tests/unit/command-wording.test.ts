import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toCommandInput } from '../../src/app/commands/command-input.js'
import { loadCommandWording } from '../../src/config/command-wording-schema.js'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'
import { ConfigError } from '../../src/config/format-issues.js'
import { COMMAND_NAMES, COMMAND_SPECS, parseCommand } from '../../src/domain/commands/index.js'

const FILE = 'config/wording/commands.yaml'

describe('command wording (config/wording/commands.yaml)', () => {
  const wording = loadCommandWording(FILE)

  it.each(COMMAND_NAMES)('/%s has a usage line starting with the command and a summary', (name) => {
    const entry = wording.usage[COMMAND_SPECS[name].usageKey]
    expect(entry?.usage.startsWith(`/${name}`)).toBe(true)
    expect(entry?.summary.length).toBeGreaterThan(0)
  })

  it('keeps the per-command keys apart from errors and list', () => {
    const keys = COMMAND_NAMES.map((n) => COMMAND_SPECS[n].usageKey)
    expect(keys).not.toContain('errors')
    expect(keys).not.toContain('list')
  })

  function broken(edit: (text: string) => string): string[] {
    const path = join(mkdtempSync(join(tmpdir(), 'baton-wording-')), 'commands.yaml')
    writeFileSync(path, edit(readFileSync(FILE, 'utf8')))
    try {
      loadCommandWording(path)
      return []
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      return (err as ConfigError).problems.map((p) => p.replace(path, 'commands.yaml'))
    }
  }

  it('fails at start-up naming the file, the key and what was expected', () => {
    expect(broken((t) => t.replace(/^recall:\n.*\n.*\n/m, ''))).toEqual(['commands.yaml: recall — missing; expected object'])
    expect(broken((t) => t.replace('usage: /approve <草稿号>', 'usage: /aprove <草稿号>'))).toEqual(['commands.yaml: approve.usage — expected a line starting with "/approve"'])
    expect(broken((t) => t.replace('"用法：{usage}"', '"用法：{usag}"'))).toEqual([
      'commands.yaml: errors.bad_arguments — unknown placeholder {usag}; allowed: {usage}',
      'commands.yaml: errors.bad_arguments — expected placeholder {usage}',
    ])
    expect(broken((t) => `${t}\nteleport:\n  usage: /teleport\n  summary: x\n`)).toEqual(['commands.yaml: (top level) — unknown key(s) "teleport"'])
  })
})

describe('what the sender reads back for a malformed command or /help', () => {
  const all = loadWordingDir('config/wording')
  const input = (text: string) => {
    const parsed = parseCommand(text)
    if (parsed.kind === 'not_command') throw new Error(`${text} is not a command`)
    return toCommandInput(parsed, all)
  }
  const answer = (text: string) => {
    const i = input(text)
    return i.kind === 'command' ? i.call : i.answer
  }

  it.each([
    ['/aprove 1', '未知命令 /aprove。你是不是想用 /approve？发送 /help 查看全部命令。'],
    ['/frobnicate', '未知命令 /frobnicate。发送 /help 查看全部命令。'],
    ['/approve', '用法：/approve <草稿号> [force]'],
    ['/snooze 3 soon', '用法：/snooze <案件号> <时长> [原因]'],
    ['/', '请输入命令，例如 /help。'],
    [`/edit 1 ${'长'.repeat(5000)}`, '命令太长了，请精简后重试。'],
    ['/help approve', '/approve <草稿号> [force] — 按原文发送草稿（force：主管强制发送被拦截的修改）（也可用 /通过）'],
    ['/help done', '/done <案件号> [备注] — 标记完成'],
  ])('%j → %s', (text, expected) => expect(answer(text)).toBe(expected))

  it('/help lists every command, one line each, after the header', () => {
    const help = answer('/help')
    if (typeof help !== 'string') throw new Error('/help should answer with text')
    const lines = help.split('\n')
    expect(lines).toHaveLength(COMMAND_NAMES.length + 1)
    COMMAND_NAMES.forEach((n, i) => expect(lines[i + 1]!.startsWith(`/${n}`)).toBe(true))
  })

  it('marks /auto as a supervisor command for the router', () => {
    expect(input('/auto reminder on')).toMatchObject({ kind: 'command', supervisorOnly: true })
    expect(input('/approve 1')).toMatchObject({ kind: 'command', supervisorOnly: false })
  })
})
