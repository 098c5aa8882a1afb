import { Command, Option } from 'commander';
import { bosunVersion } from '../../common/version.js';
import { buildScanReport } from '../../report/build.js';
import { catalogueTarget, ecosystemOf, type CatalogueOutcome } from '../../scan/index.js';
import { withStore } from '../context.js';
import { addImageOptions, openTargetOptions, type ImageCommandOptions } from '../image-options.js';
import { layerProgress } from '../progress.js';
import { writeOutput } from '../output.js';

interface SbomOptions extends ImageCommandOptions {
  format: 'cyclonedx' | 'spdx' | 'json';
  output?: string;
}

/** `bosun sbom TARGET`: the packages of an image as CycloneDX 1.6, SPDX 2.3 or Bosun JSON. */
export function registerSbom(program: Command): void {
  const command = program
    .command('sbom')
    .description('List the packages in an image as an SBOM')
    .argument('<target>', 'image: a reference, docker-archive:PATH, oci:PATH[:TAG], oci-archive:PATH, dir:PATH, docker-daemon:NAME or podman:NAME')
    .addOption(new Option('--format <format>', 'output format').choices(['cyclonedx', 'spdx', 'json']).default('cyclonedx'))
    .option('-o, --output <file>', 'write to this file instead of stdout (written atomically)');
  addImageOptions(command).action(async (target: string, options: SbomOptions, cmd: Command) => {
    const progress = layerProgress(options.progress !== false);
    const outcome = await withStore(cmd, (store) =>
      catalogueTarget(target, { store, open: openTargetOptions(options), onLayer: progress.onLayer }).finally(() => progress.stop()),
    );
    await writeOutput(await renderSbom(outcome, options.format), options.output);
  });
}

// The SBOM writers load the CycloneDX library, which costs a tenth of a second at start-up, so
// they are imported only when their format is asked for.
async function renderSbom(outcome: CatalogueOutcome, format: SbomOptions['format']): Promise<string> {
  const options = { toolVersion: bosunVersion };
  switch (format) {
    case 'cyclonedx': {
      const { writeCycloneDxSbom } = await import('../../catalog/sbom/cyclonedx.js');
      return writeCycloneDxSbom(outcome.catalogue, outcome.image, options);
    }
    case 'spdx': {
      const { writeSpdxSbom } = await import('../../catalog/sbom/spdx.js');
      return writeSpdxSbom(outcome.catalogue, outcome.image, options);
    }
    case 'json': {
      // The scan report's shape without findings, so both commands share one documented contract.
      const { vulnerabilities: _v, summary, ...report } = buildScanReport({
        target: outcome.image.target ?? '',
        image: outcome.image,
        catalogue: outcome.catalogue,
        findings: [],
        warnings: outcome.warnings,
        ecosystemOf,
        bosunVersion,
      });
      return `${JSON.stringify({ ...report, summary: { packages: summary.packages } }, null, 2)}\n`;
    }
  }
}
