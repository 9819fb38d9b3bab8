import * as vscode from 'vscode';
import {
  kubernetesGlobs,
  matchesAny,
  overlapPolicy,
  type OverlapPolicy,
  type RedHatYamlState,
} from './yamlOverlap';

const REDHAT_YAML_ID = 'redhat.vscode-yaml';

/** What Red Hat's YAML extension does with this file, from its presence and its settings. */
export function redHatState(uri: vscode.Uri | undefined): RedHatYamlState {
  const present = !!vscode.extensions.getExtension(REDHAT_YAML_ID);
  if (!present) return { present: false, validate: false, crdStore: false, kubernetesSchemaApplies: false };
  const cfg = vscode.workspace.getConfiguration('yaml', uri);
  const globs = kubernetesGlobs(cfg.get('schemas'));
  const rel = uri ? vscode.workspace.asRelativePath(uri, false) : '';
  return {
    present,
    validate: cfg.get<boolean>('validate', true) !== false,
    crdStore: cfg.get<boolean>('kubernetesCRDStore.enable', true) !== false,
    kubernetesSchemaApplies: !!uri && globs.length > 0 && matchesAny(rel.replace(/^\/+/, ''), globs),
  };
}

export function redHatPolicy(uri: vscode.Uri | undefined): OverlapPolicy {
  return overlapPolicy(redHatState(uri));
}
