import * as vscode from 'vscode';
import { RESOURCES } from '../../backends/kube/resources';
import type { Command } from '../command';
import { kubeDocuments } from './documents';
import { httpOf, targetObject } from './target';

/** The object's live YAML, read-only (managedFields left out). */
export const kubeOpenYaml: Command = {
  id: 'podvisor.kube.object.openYaml',
  async execute(svc, arg?: unknown) {
    const ref = await targetObject(
      svc,
      arg,
      ['virtualmachines', 'virtualmachineinstances', 'pods', 'datavolumes', 'runtimeclasses'],
      vscode.l10n.t('Object to open'),
    );
    const r = RESOURCES[ref.resource];
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    const text = await svc.clusters.backend.liveYaml(
      httpOf(svc, ref.context),
      apiVersion,
      r.kind,
      ref.name,
      ref.namespace,
    );
    const uri = kubeDocuments().set(
      `${ref.context}/${ref.namespace || '_cluster'}/${r.kind}/${ref.name}`,
      text,
    );
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
    return vscode.window.showTextDocument(doc, { preview: true });
  },
};
