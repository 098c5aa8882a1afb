import { expandWord, type Expansion } from './words.js';

/**
 * Build-time variables of one scope (the global ARGs before the first FROM, or one stage's
 * ARG and ENV). Each value remembers which unset variables it was built from, so that a FROM
 * or COPY that reads it through another ARG still reports them as unresolved.
 */
export interface ScopedValue {
  value: string | undefined;
  unresolved: string[];
}

export class VariableScope {
  private readonly values = new Map<string, ScopedValue>();

  constructor(
    private readonly escapeCharacter: string,
    private readonly parent?: VariableScope,
  ) {}

  /** Copies every value of `other` into a new scope (a stage starting FROM another stage). */
  static inherit(other: VariableScope): VariableScope {
    const scope = new VariableScope(other.escapeCharacter, other.parent);
    for (const [name, value] of other.values) scope.values.set(name, value);
    return scope;
  }

  set(name: string, value: ScopedValue): void {
    this.values.set(name, value);
  }

  get(name: string): ScopedValue | undefined {
    return this.values.get(name) ?? this.parent?.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Expands one word in this scope. Unresolved names include those behind the values read. */
  expand(word: string): Expansion {
    const inherited = new Set<string>();
    const result = expandWord(
      word,
      (name) => {
        const entry = this.get(name);
        for (const unresolved of entry?.unresolved ?? []) inherited.add(unresolved);
        return entry?.value;
      },
      this.escapeCharacter,
    );
    const unresolved = new Set([...result.unresolved, ...inherited]);
    return { value: result.value, unresolved: [...unresolved].sort() };
  }
}

/** The automatic platform ARGs BuildKit defines in the global scope, from `os/arch[/variant]`. */
export function platformVariables(prefix: 'TARGET' | 'BUILD', platform: string | undefined): Array<[string, string]> {
  if (platform === undefined) return [];
  const [os = '', architecture = '', variant = ''] = platform.split('/');
  return [
    [`${prefix}PLATFORM`, platform],
    [`${prefix}OS`, os],
    [`${prefix}ARCH`, architecture],
    [`${prefix}VARIANT`, variant],
  ];
}
