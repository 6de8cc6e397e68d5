import { shortCaptureNote } from '../../../../../functions/shared/domain/report';

describe('the report note on short captures', () => {
  it('warns that a one-hour capture caps beacon scores near 0.75', () => {
    expect(shortCaptureNote(60)).toMatch(/60-minute capture .* about 0\.75/);
  });

  it('says nothing once the capture covers six hours', () => {
    expect(shortCaptureNote(360)).toBeUndefined();
  });
});
