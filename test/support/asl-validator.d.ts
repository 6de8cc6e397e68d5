declare module 'asl-validator' {
  function aslValidator(definition: unknown, options?: Record<string, unknown>): { isValid: boolean; errors: unknown[]; errorsText: (separator?: string) => string };
  export default aslValidator;
}
