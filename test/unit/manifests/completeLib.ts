/** Shared by the language-feature unit tests: an engine on the bundled schemas, and `|` cursors. */
import * as path from 'path';
import { ManifestService } from '../../../src/manifests/service';
import type { CompletionFacts } from '../../../src/manifests/complete';
import type { TextEdit } from '../../../src/manifests/fixes';

export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const SCHEMAS = path.join(ROOT, 'schemas');

export function engine(facts?: CompletionFacts): ManifestService {
  return new ManifestService({ schemaDir: SCHEMAS, ...(facts ? { facts } : {}) });
}

/** Opens `marked` (cursor written as `@|@`) and completes at the cursor. */
export async function completeAt(svc: ManifestService, marked: string, uri = 'file:///t.yaml') {
  const offset = marked.indexOf('@|@');
  if (offset < 0) throw new Error('no @|@ cursor');
  const text = marked.replace('@|@', '');
  svc.open(uri, text);
  return { list: await svc.complete(uri, offset), text, offset };
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

export const VM = `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: demo
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        resources:
          requests:
            memory: 1Gi
        devices:
          disks:
          - name: rootdisk
            disk:
              bus: virtio
          - name: cloudinit
            disk:
              bus: virtio
          interfaces:
          - name: default
            masquerade: {}
      networks:
      - name: default
        pod: {}
      volumes:
      - name: rootdisk
        containerDisk:
          image: quay.io/containerdisks/fedora:latest
      - name: cloudinit
        cloudInitNoCloud:
          userData: |
            #cloud-config
            password: x
`;
