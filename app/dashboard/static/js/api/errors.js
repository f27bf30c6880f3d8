// Errors as the API states them: each one's extensions.code and message, shown verbatim.
export class ApiError extends Error {
  constructor(problems) {
    super(problems.map(describe).join("; "));
    this.name = "ApiError";
    this.problems = problems;
  }

  get code() {
    return this.problems[0]?.code || null;
  }

  /** From a GraphQL response's `errors` array. */
  static fromGraphQL(errors) {
    return new ApiError(
      errors.map((error) => ({
        code: error.extensions?.code || null,
        message: error.message || "(no message)",
      }))
    );
  }
}

function describe(problem) {
  return problem.code ? `${problem.code}: ${problem.message}` : problem.message;
}

/** Any failure as an ApiError, so views show one kind of error. */
export function asApiError(failure) {
  if (failure instanceof ApiError) return failure;
  if (Array.isArray(failure)) return ApiError.fromGraphQL(failure);
  if (failure && typeof failure.code === "number" && "reason" in failure) {
    // A websocket CloseEvent: 4403 is the server refusing the token (see the README).
    const reason = failure.reason || "the connection closed";
    return new ApiError([{ code: `WEBSOCKET_${failure.code}`, message: reason }]);
  }
  return new ApiError([{ code: null, message: String(failure?.message || failure) }]);
}
