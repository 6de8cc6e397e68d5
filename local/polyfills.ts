// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks; without it every
// Task fails with a TypeError that a Catch would silently swallow. Loaded before anything else.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

// The local tools run on Node 20 on purpose (it is what most laptops and this CI have); the SDK's
// notice that future SDK releases will need Node 22 would otherwise interleave with the demo's
// timeline. Set it to false to see the notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
export {};
