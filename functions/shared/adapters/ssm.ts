import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../errors';
import { isAwsError, translateAwsError } from './aws-errors';

export async function getParameter(ssm: SSMClient, name: string): Promise<string> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    const value = out.Parameter?.Value;
    if (!value) throw new ConfigError(`SSM parameter ${name} is empty`);
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (isAwsError(error, 'ParameterNotFound')) {
      throw new ConfigError(`SSM parameter ${name} does not exist: set the sensor image id there (or let the image pipeline publish it)`, { cause: error });
    }
    throw translateAwsError(error, `GetParameter ${name}`);
  }
}
