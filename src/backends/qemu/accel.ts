/**
 * Which accelerator QEMU can really use here. `/dev/kvm` existing is not enough: under
 * `kvm_pvm` (nested without hardware virtualization) stock kernels crawl and die, and
 * `-cpu host` fails with "failed to set MSR". So KVM is chosen only when the device is there,
 * is not kvm_pvm, is read/writable, and QEMU itself manages to open it.
 */
import * as fs from 'fs';
import { UserError, messageOf } from '../../common/errors';
import { ProcessError, processRunner, type Runner } from '../../common/process';
import type { AccelChoice } from './spec';
import { cpuModelProblem } from './spec';

export interface AccelProbe {
  readonly kvmUsable: boolean;
  /** Why KVM is (not) usable, in words for the tree tooltip and errors. */
  readonly why: string;
}

export interface Acceleration {
  readonly accel: 'kvm' | 'tcg';
  readonly cpuModel: string;
  readonly why: string;
}

export const QEMU_BINARY = 'qemu-system-x86_64';

let cached: Promise<AccelProbe> | undefined;

/**
 * Probes once per process (the answer does not change while we run); `fresh` re-probes. Not
 * cancellable: the answer is shared by every caller, and a 10 s limit bounds it.
 */
export function probeKvm(fresh = false, runner: Runner = processRunner): Promise<AccelProbe> {
  if (!cached || fresh) cached = doProbe(runner);
  return cached;
}

async function doProbe(runner: Runner): Promise<AccelProbe> {
  if (!fs.existsSync('/dev/kvm')) return { kvmUsable: false, why: '/dev/kvm does not exist' };
  if (fs.existsSync('/sys/module/kvm_pvm')) {
    return {
      kvmUsable: false,
      why: '/dev/kvm is kvm_pvm (nested, no hardware virtualization): guests fail under it',
    };
  }
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return {
      kvmUsable: false,
      why: '/dev/kvm is not readable and writable by this user (add it to the kvm group)',
    };
  }
  // QEMU with `-machine none` opens KVM and creates a VM without booting anything.
  try {
    await runner.run({
      command: QEMU_BINARY,
      args: ['-accel', 'kvm', '-machine', 'none', '-nodefaults', '-display', 'none', '-S', '-qmp', 'stdio'],
      input: '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
      timeoutMs: 10_000,
    });
    return { kvmUsable: true, why: 'KVM works' };
  } catch (e) {
    const reason = e instanceof ProcessError && e.failure === 'exit' ? e.reason : '';
    return { kvmUsable: false, why: `QEMU could not use KVM: ${reason || messageOf(e)}` };
  }
}

/**
 * Resolves the setting/spec choices against the probe. Asking for KVM where it does not work
 * is an error with the reason (silently falling back would hide a 10× slowdown);
 * `host` as CPU model needs KVM; `auto` means `host` under KVM and `max` under TCG.
 */
export function resolveAcceleration(choice: AccelChoice, cpuModel: string, probe: AccelProbe): Acceleration {
  let accel: 'kvm' | 'tcg';
  if (choice === 'kvm') {
    if (!probe.kvmUsable)
      throw new UserError(
        `KVM was requested but is not usable: ${probe.why}. Set podvisor.vm.accelerator to "auto" or "tcg".`,
      );
    accel = 'kvm';
  } else if (choice === 'tcg') accel = 'tcg';
  else accel = probe.kvmUsable ? 'kvm' : 'tcg';
  let model = cpuModel || 'auto';
  if (model === 'auto') model = accel === 'kvm' ? 'host' : 'max';
  const cp = cpuModelProblem(model);
  if (cp) throw new UserError(`Invalid CPU model: ${cp}`);
  if (model === 'host' && accel !== 'kvm') {
    throw new UserError(
      `CPU model "host" needs KVM, but this VM runs with TCG (${probe.why}). Use "max" or "auto".`,
    );
  }
  const why =
    choice === 'tcg' ? 'TCG requested' : accel === 'kvm' ? probe.why : `TCG (software): ${probe.why}`;
  return { accel, cpuModel: model, why };
}
