import type { Warning } from '../../common/errors.js';

/** How to load a compose project, as `docker compose` flags and environment set it. */
export interface LoadComposeOptions {
  /** Compose files in `-f` order; later files merge over earlier ones. At least one. */
  files: string[];
  /** Profiles to enable (`--profile`); default `COMPOSE_PROFILES` from the environment. `*` enables all. */
  profiles?: string[];
  /** The environment interpolation reads first; default `process.env`. */
  environment?: Record<string, string | undefined>;
  /** Default: the directory of the first file. */
  projectDirectory?: string;
  /** `--env-file` files; default `.env` in the project directory when it exists. */
  envFiles?: string[];
  /** Default: `name:` in the files, then `COMPOSE_PROJECT_NAME`, then the project directory's name. */
  projectName?: string;
}

/** A service's build section, with absolute paths. */
export interface ComposeBuild {
  /** Absolute directory, or the URL of a remote context. */
  context: string;
  /** Absolute path of the Dockerfile; undefined for a remote context or an inline Dockerfile. */
  dockerfile: string | undefined;
  /** The Dockerfile text when the compose file carries it in `dockerfile_inline`. */
  dockerfileInline: string | undefined;
  args: Record<string, string>;
  target: string | undefined;
}

/** One service of a loaded project. */
export interface ComposeService {
  name: string;
  /** The image to run, or the name to tag a build with. */
  image: string | undefined;
  build: ComposeBuild | undefined;
  profiles: string[];
  /** Whether the service starts with the selected profiles. */
  active: boolean;
  /** The merged definition, in long syntax, as `docker compose config` would print it. */
  config: Record<string, unknown>;
}

/** A loaded compose project. */
export interface ComposeProject {
  name: string;
  /** Absolute project directory. */
  workingDir: string;
  /** Every file read: the `-f` files, included and extended ones. */
  files: string[];
  services: ComposeService[];
  /** The merged model: services, networks, volumes, secrets, configs and extension keys. */
  model: Record<string, unknown>;
  /** Unset variables, unknown keys, and other problems that do not stop loading. */
  warnings: Warning[];
}
