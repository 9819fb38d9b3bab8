#!/usr/bin/env node
// The heavy tools the tests (and users without their own) need, built from Go modules once per
// machine into a versioned cache outside the clone (scripts/lib/gotools.mjs).
//   node scripts/tools.mjs build [NAME...]   build what is missing (all by default)
//   node scripts/tools.mjs path NAME         print the tool's bin folder (exit 1 if not built)
//   node scripts/tools.mjs list              every recipe, built or not, with its folder
//   node scripts/tools.mjs prune             remove cache folders no recipe names any more
import { readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  downloadedGoMod,
  ensureTool,
  isBuilt,
  replacesOf,
  requirementsOf,
  staleToolDirs,
  toolDir,
  toolsCacheRoot,
} from './lib/gotools.mjs';

const K8S = 'v1.37.2';
const K8S_STAGING = K8S.replace(/^v1\./, 'v0.');

/** Every staging module of k8s.io/kubernetes pinned to its published release (kubernetes#79384). */
function kubernetesGoMod() {
  const { goMod } = downloadedGoMod('k8s.io/kubernetes', K8S);
  const staging = new Set();
  for (const r of replacesOf(goMod)) if (r.to.startsWith('./staging')) staging.add(r.from);
  for (const [mod, v] of requirementsOf(goMod))
    if (mod.startsWith('k8s.io/') && v === 'v0.0.0') staging.add(mod);
  const lines = [
    'module podvisor.local/k8s-tools',
    '',
    'go 1.26.0',
    '',
    `require k8s.io/kubernetes ${K8S}`,
    '',
    'replace (',
  ];
  for (const m of [...staging].sort()) lines.push(`\t${m} => ${m} ${K8S_STAGING}`);
  lines.push(')', '');
  return lines.join('\n');
}

const k8sVersionFlags = (() => {
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(K8S);
  const flags = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${K8S}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
    );
  }
  return flags;
})();

const ETCD = 'v3.6.16';
function etcdGoMod() {
  const { goMod } = downloadedGoMod('go.etcd.io/etcd/server/v3', ETCD);
  const lines = [
    'module podvisor.local/etcd-tools',
    '',
    'go 1.26.0',
    '',
    `require go.etcd.io/etcd/server/v3 ${ETCD}`,
    '',
    'replace (',
  ];
  for (const r of replacesOf(goMod))
    if (r.to.startsWith('../')) lines.push(`\t${r.from} => ${r.from} ${ETCD}`);
  lines.push(')', '');
  return lines.join('\n');
}

const CONTAINERD = 'v2.3.7';

// The Compose CLI users have today (`docker compose`, v2 of the CLI, module major v5), installed
// for tests as a Docker CLI plugin. Its own go.mod excludes some versions; an exclude applies only
// in the main module, so the wrapper repeats it (otherwise MVS could pick an excluded one).
const COMPOSE = 'v5.6.0';
function composeGoMod() {
  const { goMod } = downloadedGoMod('github.com/docker/compose/v5', COMPOSE);
  const exclude = /^exclude\s*\([\s\S]*?^\)/m.exec(goMod)?.[0] ?? '';
  return [
    'module podvisor.local/compose-tools',
    '',
    'go 1.26.8',
    '',
    `require github.com/docker/compose/v5 ${COMPOSE}`,
    '',
    exclude,
    '',
  ].join('\n');
}
// KubeVirt's CRDs as its operator makes them (scripts/go/kubevirt-crds). v1.6.1 is the newest
// release the module proxy serves; kubevirt.io/client-go has no v1.6.1 there, and the one package
// of it the CRD code reaches (log) is unchanged in v1.6.0. Its own wrapper: KubeVirt pins k8s.io
// 0.32, apart from the Kubernetes tools above.
const KUBEVIRT = 'v1.6.1';
const KUBEVIRT_CLIENT_GO = 'v1.6.0';
function kubevirtCrdsGoMod() {
  const { goMod } = downloadedGoMod('kubevirt.io/kubevirt', KUBEVIRT);
  const lines = [
    'module podvisor.local/kubevirt-crds',
    '',
    'go 1.26.0',
    '',
    `require kubevirt.io/kubevirt ${KUBEVIRT}`,
    '',
    'replace (',
  ];
  // A dependency's replaces don't apply to us: copy KubeVirt's, its staging dirs as published modules.
  for (const r of replacesOf(goMod)) {
    if (r.to.endsWith('/kubevirt.io/api')) lines.push(`\t${r.from} => ${r.from} ${KUBEVIRT}`);
    else if (r.to.endsWith('/kubevirt.io/client-go'))
      lines.push(`\t${r.from} => ${r.from} ${KUBEVIRT_CLIENT_GO}`);
    else if (!r.to.startsWith('.')) lines.push(`\t${r.from} => ${r.to} ${r.toVersion}`);
  }
  lines.push(')', '');
  return lines.join('\n');
}
const kubevirtCrdsMain = readFileSync(new URL('./go/kubevirt-crds/main.go', import.meta.url), 'utf8');

// Helm v4 for rendering charts (`helm template`, `helm lint`) in the manifest language service's
// tests and for users without their own (podvisor.helm.path).
const HELM = 'v4.3.2';

/** name → recipe. Heavy ones first: `build` with no names builds in this order. */
export const RECIPES = {
  kubernetes: {
    name: 'kubernetes',
    version: K8S,
    goMod: kubernetesGoMod,
    packages: [
      { pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', out: 'kube-apiserver' },
      { pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager', out: 'kube-controller-manager' },
      { pkg: 'k8s.io/kubernetes/cmd/kubelet', out: 'kubelet' },
      { pkg: 'k8s.io/kubernetes/cmd/kubectl', out: 'kubectl' },
    ],
    outputs: ['kube-apiserver', 'kube-controller-manager', 'kubelet', 'kubectl'],
    tags: ['selinux', 'notest'],
    ldflags: k8sVersionFlags,
  },
  etcd: {
    name: 'etcd',
    version: ETCD,
    goMod: etcdGoMod,
    packages: [{ pkg: 'go.etcd.io/etcd/server/v3', out: 'etcd' }],
    outputs: ['etcd'],
  },
  containerd: {
    name: 'containerd',
    version: CONTAINERD,
    goMod: `module podvisor.local/containerd-tools\n\ngo 1.26.0\n\nrequire github.com/containerd/containerd/v2 ${CONTAINERD}\n`,
    packages: [
      { pkg: 'github.com/containerd/containerd/v2/cmd/containerd', out: 'containerd' },
      {
        pkg: 'github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2',
        out: 'containerd-shim-runc-v2',
      },
      { pkg: 'github.com/containerd/containerd/v2/cmd/ctr', out: 'ctr' },
    ],
    outputs: ['containerd', 'containerd-shim-runc-v2', 'ctr'],
    tags: ['no_btrfs'],
  },
  helm: {
    name: 'helm',
    version: HELM,
    goMod: `module podvisor.local/helm-tools\n\ngo 1.26.0\n\nrequire helm.sh/helm/v4 ${HELM}\n`,
    packages: [{ pkg: 'helm.sh/helm/v4/cmd/helm', out: 'helm' }],
    outputs: ['helm'],
    ldflags: [`-X helm.sh/helm/v4/internal/version.version=${HELM}`],
  },
  compose: {
    name: 'compose',
    version: COMPOSE,
    goMod: composeGoMod,
    packages: [{ pkg: 'github.com/docker/compose/v5/cmd', out: 'docker-compose' }],
    outputs: ['docker-compose'],
    ldflags: [`-X github.com/docker/compose/v5/internal.Version=${COMPOSE}`],
  },
  // Only for scripts/gen-cluster-crds.mjs (its output is committed): never in a default build.
  'kubevirt-crds': {
    onDemand: true,
    name: 'kubevirt-crds',
    version: KUBEVIRT,
    goMod: kubevirtCrdsGoMod,
    extraFiles: { 'main.go': kubevirtCrdsMain },
    packages: [{ pkg: 'podvisor.local/kubevirt-crds', out: 'kubevirt-crds' }],
    outputs: ['kubevirt-crds'],
  },
};

/** Every recipe but the on-demand ones (generators whose output is committed). */
export function defaultTools() {
  return Object.keys(RECIPES).filter((n) => !RECIPES[n].onDemand);
}

/** Builds the named tools (or all) that are not built; returns name → { dir, bin, built, seconds }. */
export async function ensureTools(names = defaultTools(), opts = {}) {
  const out = {};
  for (const n of names) {
    const r = RECIPES[n];
    if (!r) throw new Error(`No recipe named ${n} (known: ${Object.keys(RECIPES).join(', ')})`);
    out[n] = await ensureTool(r, opts);
  }
  return out;
}

export function toolBin(name, out) {
  const r = RECIPES[name];
  return isBuilt(r) ? `${toolDir(r)}/bin/${out ?? r.outputs[0]}` : undefined;
}

async function main() {
  const [cmd = 'build', ...names] = process.argv.slice(2);
  if (cmd === 'build') {
    const t0 = Date.now();
    const done = await ensureTools(names.length ? names : undefined);
    for (const [n, r] of Object.entries(done))
      console.log(`${n}: ${r.built ? `built in ${r.seconds} s` : 'cached'} — ${r.dir}`);
    console.log(`tools ready in ${((Date.now() - t0) / 1000).toFixed(0)} s (cache ${toolsCacheRoot()})`);
  } else if (cmd === 'path') {
    const r = RECIPES[names[0]];
    if (!r || !isBuilt(r)) process.exit(1);
    console.log(`${toolDir(r)}/bin`);
  } else if (cmd === 'list') {
    for (const r of Object.values(RECIPES))
      console.log(`${r.name} ${r.version} ${isBuilt(r) ? 'built' : 'missing'} ${toolDir(r)}`);
  } else if (cmd === 'prune') {
    for (const d of staleToolDirs(Object.values(RECIPES))) {
      console.log(`removing ${d}`);
      rmSync(d, { recursive: true, force: true });
    }
  } else {
    console.error('usage: tools.mjs build [NAME...] | path NAME | list | prune');
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e.message ?? e);
    process.exit(1);
  });
}
