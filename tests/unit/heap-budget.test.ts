import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// The heap budget is set in three places that must agree: npm's config (read by the start
// scripts and the benchmark) and the Docker image.
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { config: { node_options: string }; scripts: Record<string, string> }
const dockerfile = readFileSync('Dockerfile', 'utf8')

describe('the heap budget Baton runs with', () => {
  it('is a max-old-space-size in package.json config.node_options', () => {
    expect(pkg.config.node_options).toMatch(/^--max-old-space-size=\d+$/)
  })

  it('every start script passes it, unless NODE_OPTIONS is already set', () => {
    for (const name of ['start', 'start:bot', 'start:worker', 'start:api']) {
      expect(pkg.scripts[name]).toContain('NODE_OPTIONS="${NODE_OPTIONS:-$npm_package_config_node_options}"')
    }
  })

  it('the Docker image sets the same', () => {
    expect(dockerfile).toContain(`ENV NODE_OPTIONS=${pkg.config.node_options}`)
  })
})
