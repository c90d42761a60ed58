import { ConfigProblemsError, configProblemsError } from "../config/problems.js";
import { resolveModels, type ResolveOptions } from "./resolve.js";

/**
 * A config error from loading, with the problems of the references in the parts that did load added:
 * a primary, fallback, alias key or compaction model that names no model, in the same run as a value
 * of the wrong type elsewhere. A problem the rejected parts may have caused (a fallback naming a model
 * whose entry was rejected) is left out. Any other error comes back as it was.
 */
export function withReferenceProblems(error: unknown, options: Omit<ResolveOptions, "source">): unknown {
  if (!(error instanceof ConfigProblemsError) || !error.partial) return error;
  const partial = error.partial;
  try {
    // The error's source: its keys name the places a message mentions as the file writes them.
    resolveModels(partial.config, { ...options, source: error.source });
    return error;
  } catch (resolveError) {
    if (!(resolveError instanceof ConfigProblemsError)) return error;
    const added = resolveError.problems
      .filter((problem) => problem.severity === "error")
      .map((problem) => ({ ...problem, path: partial.originalPath(problem.path) }))
      .filter((problem) => !partial.followsFrom(problem))
      // Found on the file as written already (two model keys equal but for case): said once.
      .filter((problem) => !error.problems.some((known) => known.severity === "error" && JSON.stringify(known.path) === JSON.stringify(problem.path)));
    return added.length > 0 ? configProblemsError(error.source, [...error.problems, ...added]) : error;
  }
}
