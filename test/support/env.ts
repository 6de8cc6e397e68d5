// The SDK prints a Node-version notice on first client use; tests run on the machine's Node 20.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
process.env.AWS_REGION ??= 'us-east-1';
