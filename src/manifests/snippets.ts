/**
 * Starter manifests, in VS Code snippet syntax. The same list feeds completion (offered at the
 * start of an empty document) and `snippets/yaml.code-snippets` contributed in package.json; a
 * unit test keeps that file equal to `snippetFile()` so the two never drift.
 */
export interface ManifestSnippet {
  /** what the user types to pick it (the snippet prefix) */
  readonly prefix: string;
  readonly label: string;
  readonly description: string;
  readonly body: readonly string[];
}

export const MANIFEST_SNIPPETS: readonly ManifestSnippet[] = [
  {
    prefix: 'kubevirt-vm',
    label: 'KubeVirt VirtualMachine',
    description: 'A VirtualMachine booting a container disk, with cloud-init and pod networking',
    body: [
      'apiVersion: kubevirt.io/v1',
      'kind: VirtualMachine',
      'metadata:',
      '  name: ${1:my-vm}',
      'spec:',
      '  runStrategy: ${2|Always,Halted,Manual,RerunOnFailure,Once|}',
      '  template:',
      '    metadata:',
      '      labels:',
      '        kubevirt.io/vm: ${1:my-vm}',
      '    spec:',
      '      domain:',
      '        cpu:',
      '          cores: ${3:1}',
      '        resources:',
      '          requests:',
      '            memory: ${4:1Gi}',
      '        devices:',
      '          disks:',
      '          - name: containerdisk',
      '            disk:',
      '              bus: virtio',
      '          - name: cloudinitdisk',
      '            disk:',
      '              bus: virtio',
      '          interfaces:',
      '          - name: default',
      '            masquerade: {}',
      '      networks:',
      '      - name: default',
      '        pod: {}',
      '      volumes:',
      '      - name: containerdisk',
      '        containerDisk:',
      '          image: ${5:quay.io/containerdisks/fedora:latest}',
      '      - name: cloudinitdisk',
      '        cloudInitNoCloud:',
      '          userData: |',
      '            #cloud-config',
      '            user: ${6:fedora}',
      '            password: ${7:changeme}',
      '            chpasswd:',
      '              expire: false',
      '$0',
    ],
  },
  {
    prefix: 'kubevirt-vmi',
    label: 'KubeVirt VirtualMachineInstance',
    description: 'A one-off VirtualMachineInstance booting a container disk',
    body: [
      'apiVersion: kubevirt.io/v1',
      'kind: VirtualMachineInstance',
      'metadata:',
      '  name: ${1:my-vmi}',
      'spec:',
      '  domain:',
      '    resources:',
      '      requests:',
      '        memory: ${2:512Mi}',
      '    devices:',
      '      disks:',
      '      - name: containerdisk',
      '        disk:',
      '          bus: virtio',
      '      interfaces:',
      '      - name: default',
      '        masquerade: {}',
      '  networks:',
      '  - name: default',
      '    pod: {}',
      '  volumes:',
      '  - name: containerdisk',
      '    containerDisk:',
      '      image: ${3:quay.io/containerdisks/fedora:latest}',
      '$0',
    ],
  },
  {
    prefix: 'cdi-datavolume',
    label: 'CDI DataVolume',
    description: 'A DataVolume importing a disk image from a registry or URL',
    body: [
      'apiVersion: cdi.kubevirt.io/v1beta1',
      'kind: DataVolume',
      'metadata:',
      '  name: ${1:my-dv}',
      'spec:',
      '  source:',
      '    registry:',
      '      url: ${2:docker://quay.io/containerdisks/fedora:latest}',
      '  storage:',
      '    resources:',
      '      requests:',
      '        storage: ${3:10Gi}',
      '$0',
    ],
  },
  {
    prefix: 'pod-gvisor',
    label: 'Sandboxed Pod (gVisor)',
    description: 'A Pod that runs under gVisor through a RuntimeClass (handler runsc)',
    body: [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: ${1:sandboxed}',
      'spec:',
      '  runtimeClassName: ${2:gvisor}',
      '  containers:',
      '  - name: ${3:app}',
      '    image: ${4:busybox:latest}',
      '    command: ["sleep", "infinity"]',
      '    resources:',
      '      limits:',
      '        cpu: ${5:500m}',
      '        memory: ${6:256Mi}',
      '$0',
    ],
  },
  {
    prefix: 'pod-kata',
    label: 'Sandboxed Pod (Kata Containers)',
    description: 'A Pod that runs in a lightweight VM through a Kata RuntimeClass; limits size the VM',
    body: [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: ${1:kata-pod}',
      'spec:',
      '  runtimeClassName: ${2|kata,kata-qemu,kata-clh,kata-fc|}',
      '  containers:',
      '  - name: ${3:app}',
      '    image: ${4:busybox:latest}',
      '    command: ["sleep", "infinity"]',
      '    resources:',
      '      requests:',
      '        cpu: ${5:500m}',
      '        memory: ${6:256Mi}',
      '      limits:',
      '        cpu: ${7:1}',
      '        memory: ${8:512Mi}',
      '$0',
    ],
  },
  {
    prefix: 'runtimeclass',
    label: 'RuntimeClass',
    description: 'A RuntimeClass mapping a name to a CRI handler (runsc for gVisor, kata for Kata)',
    body: [
      'apiVersion: node.k8s.io/v1',
      'kind: RuntimeClass',
      'metadata:',
      '  name: ${1:gvisor}',
      'handler: ${2|runsc,kata,kata-qemu,kata-clh,kata-fc|}',
      'overhead:',
      '  podFixed:',
      '    memory: ${3:64Mi}',
      '    cpu: ${4:100m}',
      '$0',
    ],
  },
];

/** The contents of `snippets/yaml.code-snippets`. */
export function snippetFile(): Record<string, { prefix: string; description: string; body: string[] }> {
  const out: Record<string, { prefix: string; description: string; body: string[] }> = {};
  for (const s of MANIFEST_SNIPPETS)
    out[s.label] = { prefix: s.prefix, description: s.description, body: [...s.body] };
  return out;
}

/** The snippet's text for a completion item. */
export function snippetText(s: ManifestSnippet): string {
  return s.body.join('\n');
}
